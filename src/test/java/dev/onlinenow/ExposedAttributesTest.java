package dev.onlinenow;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * Issue 22, point 9: the filter no longer sets its eight attributes on the container's request
 * one by one; the page is given a request that answers them (made on first read). Everything a
 * page or the app did with them still works: here, each way, against a container request that
 * keeps its attributes in a map as containers do. (FilterInTomcatIT does the same through JSPs,
 * forwards, includes, error pages and async dispatches in Tomcat.)
 */
class ExposedAttributesTest {

    private final MutableClock clock = new MutableClock();
    private final OnlineNow online = OnlineNow.inProcess(OnlineNowSettings.builder().clock(clock).build());
    private final OnlineNowFilter filter = new OnlineNowFilter(online);
    /** The container's own request attributes. */
    private final Map<String, Object> container = new HashMap<>();
    private final HttpServletRequest request = mock(HttpServletRequest.class);
    private final HttpServletResponse response = mock(HttpServletResponse.class);

    ExposedAttributesTest() {
        when(request.getServletPath()).thenReturn("/page");
        when(request.getRemoteUser()).thenReturn("ann");
        when(request.getAttribute(anyString())).thenAnswer(i -> container.get(i.getArgument(0, String.class)));
        doAnswer(i -> {
            if (i.getArgument(1) == null) {
                container.remove(i.getArgument(0, String.class));
            } else {
                container.put(i.getArgument(0), i.getArgument(1));
            }
            return null;
        }).when(request).setAttribute(anyString(), any());
        doAnswer(i -> container.remove(i.getArgument(0, String.class))).when(request).removeAttribute(anyString());
        when(request.getAttributeNames()).thenAnswer(i -> Collections.enumeration(List.copyOf(container.keySet())));
        when(response.getStatus()).thenReturn(200);
    }

    @AfterEach
    void close() {
        online.close();
    }

    private void request(Consumer<HttpServletRequest> page) throws Exception {
        FilterChain chain = (req, res) -> page.accept((HttpServletRequest) req);
        filter.doFilter(request, response, chain);
    }

    private static Map<String, Object> read(ServletRequest r) {
        Map<String, Object> seen = new HashMap<>();
        PageSees.read(r, seen);
        return seen;
    }

    private Map<String, Object> ours() {
        Map<String, Object> left = new HashMap<>(container);
        left.keySet().retainAll(PageSees.NAMES);
        return left;
    }

    @Test
    void thePageSeesEveryNameAndTheContainersRequestIsNotWritten() throws Exception {
        container.put("jakarta.servlet.forward.request_uri", "/app/page");
        AtomicReference<Map<String, Object>> seen = new AtomicReference<>();
        AtomicReference<List<String>> names = new AtomicReference<>();
        request(page -> {
            seen.set(read(page));
            names.set(Collections.list(page.getAttributeNames()));
            assertThat(page.getAttribute("jakarta.servlet.forward.request_uri")).isEqualTo("/app/page");
        });
        assertThat(seen.get()).containsOnlyKeys(PageSees.NAMES).containsEntry(OnlineNowFilter.COUNT_ATTRIBUTE, 1L)
                .containsEntry(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE, 0L).containsEntry(OnlineNowFilter.ROBOT_COUNT_ATTRIBUTE, 0L)
                .containsEntry(OnlineNowFilter.HIDDEN_COUNT_ATTRIBUTE, 0L).containsEntry(OnlineNowFilter.ROBOTS_ATTRIBUTE, List.of())
                .containsEntry(OnlineNowFilter.IDS_ATTRIBUTE, List.of("ann"));
        assertThat(((OnlineRecord) seen.get().get(OnlineNowFilter.RECORD_ATTRIBUTE)).getCount()).isEqualTo(1);
        assertThat(names.get()).containsExactlyInAnyOrderElementsOf(
                concat(PageSees.NAMES, List.of("jakarta.servlet.forward.request_uri")));
        assertThat(ours()).as("nothing written into the container's request").isEmpty();
    }

    @Test
    void eachNameIsTheSameObjectEveryTimeAPageAsks() throws Exception {
        request(page -> {
            for (String name : PageSees.NAMES) {
                assertThat(page.getAttribute(name)).as(name).isSameAs(page.getAttribute(name));
            }
        });
    }

    @Test
    void whatThePageSetsOrRemovesItselfWinsAndIsTheContainersAsForAnyAttribute() throws Exception {
        AtomicReference<Map<String, Object>> seen = new AtomicReference<>();
        AtomicReference<List<String>> names = new AtomicReference<>();
        request(page -> {
            page.setAttribute(OnlineNowFilter.COUNT_ATTRIBUTE, "many");
            page.removeAttribute(OnlineNowFilter.IDS_ATTRIBUTE);
            page.setAttribute(OnlineNowFilter.ROBOTS_ATTRIBUTE, null); // null: removed, as the API says
            seen.set(read(page));
            names.set(Collections.list(page.getAttributeNames()));
        });
        assertThat(seen.get()).containsEntry(OnlineNowFilter.COUNT_ATTRIBUTE, "many")
                .doesNotContainKeys(OnlineNowFilter.IDS_ATTRIBUTE, OnlineNowFilter.ROBOTS_ATTRIBUTE)
                .containsKeys(OnlineNowFilter.USERS_ATTRIBUTE, OnlineNowFilter.RECORD_ATTRIBUTE);
        assertThat(names.get()).doesNotHaveDuplicates().contains(OnlineNowFilter.COUNT_ATTRIBUTE)
                .doesNotContain(OnlineNowFilter.IDS_ATTRIBUTE, OnlineNowFilter.ROBOTS_ATTRIBUTE).hasSize(6);
        assertThat(ours()).containsOnly(Map.entry(OnlineNowFilter.COUNT_ATTRIBUTE, "many"));
    }

    @Test
    void startAsyncWritesTheValuesIntoTheContainersRequestFirst() throws Exception {
        // an async dispatch, and another thread, use the request the async context holds: the container's
        AtomicReference<Map<String, Object>> atStart = new AtomicReference<>();
        when(request.startAsync()).thenAnswer(i -> {
            atStart.set(ours());
            return mock(AsyncContext.class);
        });
        AtomicReference<Map<String, Object>> seen = new AtomicReference<>();
        request(page -> {
            page.setAttribute(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE, 7L);
            seen.set(read(page));
            page.startAsync();
        });
        assertThat(atStart.get()).isEqualTo(seen.get()).containsEntry(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE, 7L)
                .containsOnlyKeys(PageSees.NAMES);
    }

    @Test
    void anErrorResponseLeavesTheValuesForTheErrorPage() throws Exception {
        when(response.getStatus()).thenReturn(404);
        AtomicReference<Map<String, Object>> seen = new AtomicReference<>();
        request(page -> seen.set(read(page)));
        assertThat(ours()).isEqualTo(seen.get()).containsOnlyKeys(PageSees.NAMES);
    }

    @Test
    void aPageThatThrowsLeavesTheValuesForTheErrorPage() {
        IllegalStateException failure = new IllegalStateException("the page failed");
        assertThatThrownBy(() -> request(page -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(ours()).containsOnlyKeys(PageSees.NAMES).containsEntry(OnlineNowFilter.COUNT_ATTRIBUTE, 1L);
    }

    @Test
    void wrappersAboveAndADispatchersWrapperInsertedBelowStillSeeThem() throws Exception {
        AtomicReference<Object> above = new AtomicReference<>();
        AtomicReference<Object> below = new AtomicReference<>();
        request(page -> {
            above.set(new HttpServletRequestWrapper(page).getAttribute(OnlineNowFilter.COUNT_ATTRIBUTE));
            // Tomcat's and GlassFish's dispatcher insert their wrapper right above the container's request
            ServletRequestWrapper ours = (ServletRequestWrapper) page;
            ServletRequest original = ours.getRequest();
            ours.setRequest(new HttpServletRequestWrapper((HttpServletRequest) original));
            below.set(page.getAttribute(OnlineNowFilter.COUNT_ATTRIBUTE));
            ours.setRequest(original);
        });
        assertThat(above.get()).isEqualTo(1L);
        assertThat(below.get()).isEqualTo(1L);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
