package dev.onlinenow;

import dev.onlinenow.WebXmlSettings.Place;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** One configuration however it is written: the merge rules, and who finds what. */
class WebXmlSettingsTest {

    /** A context with these context-params and filter registrations (name -> class, params). */
    static ServletContext context(Map<String, String> contextParams, Map<String, FilterRegistration> filters) {
        ServletContext ctx = mock(ServletContext.class);
        Map<String, Object> attributes = new HashMap<>();
        when(ctx.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.getArgument(0, String.class)));
        doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(ctx).setAttribute(anyString(), any());
        doAnswer(i -> attributes.remove(i.getArgument(0, String.class))).when(ctx).removeAttribute(anyString());
        when(ctx.getInitParameterNames()).thenAnswer(i -> Collections.enumeration(contextParams.keySet()));
        when(ctx.getInitParameter(anyString())).thenAnswer(i -> contextParams.get(i.getArgument(0, String.class)));
        doAnswer(i -> filters).when(ctx).getFilterRegistrations();
        when(ctx.getClassLoader()).thenReturn(WebXmlSettingsTest.class.getClassLoader());
        when(ctx.getContextPath()).thenReturn("/app");
        return ctx;
    }

    static FilterRegistration filter(String className, Map<String, String> params) {
        FilterRegistration r = mock(FilterRegistration.class);
        when(r.getClassName()).thenReturn(className);
        when(r.getInitParameters()).thenReturn(params);
        return r;
    }

    /** A web app's own subclass of the filter. */
    public static class AppFilter extends OnlineNowFilter {
    }

    @Test
    void initParamsAloneConfigureTheWebApp() {
        ServletContext ctx = context(Map.of(), Map.of("onlineNow",
                filter(OnlineNowFilter.class.getName(), Map.of("threshold", "PT5M", "maxCount", "7"))));
        assertThat(WebXmlSettings.of(ctx)).containsExactlyInAnyOrderEntriesOf(Map.of("threshold", "PT5M", "maxCount", "7"));
    }

    @Test
    void contextParamsAloneConfigureTheWebApp() {
        ServletContext ctx = context(Map.of("online-now.threshold", "PT5M", "unrelated", "x"), Map.of());
        assertThat(WebXmlSettings.of(ctx)).containsExactlyInAnyOrderEntriesOf(Map.of("threshold", "PT5M"));
    }

    @Test
    void bothTogetherAreOneConfigurationAndTheSameValueTwiceIsFine() {
        ServletContext ctx = context(Map.of("online-now.threshold", "900", "online-now.wsPath", "/live"),
                Map.of("onlineNow", filter(OnlineNowFilter.class.getName(),
                        Map.of("threshold", "PT15M", "trackAnonymous", "TRUE"))));
        assertThat(WebXmlSettings.of(ctx)).containsExactlyInAnyOrderEntriesOf(
                Map.of("threshold", "PT15M", "trackAnonymous", "TRUE", "wsPath", "/live"));
    }

    @Test
    void twoValuesForOneKeyNameBothPlaces() {
        ServletContext ctx = context(Map.of("online-now.threshold", "PT15M"),
                Map.of("onlineNow", filter(OnlineNowFilter.class.getName(), Map.of("threshold", "PT5M"))));
        assertThatThrownBy(() -> WebXmlSettings.of(ctx))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("online-now: threshold is PT5M as filter onlineNow's init-param "
                        + "but PT15M as context-param online-now.threshold");
    }

    @Test
    void twoFilterRegistrationsMustAgreeToo() {
        Map<String, FilterRegistration> filters = new LinkedHashMap<>();
        filters.put("b", filter(OnlineNowFilter.class.getName(), Map.of("maxCount", "10")));
        filters.put("a", filter(OnlineNowFilter.class.getName(), Map.of("maxCount", "20")));
        assertThatThrownBy(() -> WebXmlSettings.of(context(Map.of(), filters)))
                .hasMessageStartingWith("online-now: maxCount is 20 as filter a's init-param but 10 as filter b's init-param");
    }

    @Test
    void otherFiltersInitParamsAreNotOurs() {
        ServletContext ctx = context(Map.of(), Map.of(
                "encoding", filter("org.example.EncodingFilter", Map.of("threshold", "nonsense")),
                "other", filter("java.lang.String", Map.of("maxCount", "nonsense")),
                "noClass", filter(null, Map.of("maxCount", "nonsense"))));
        assertThat(WebXmlSettings.of(ctx)).isEmpty();
    }

    @Test
    void aSubclassOfTheFilterIsFoundByItsClass() {
        ServletContext ctx = context(Map.of(), Map.of("mine", filter(AppFilter.class.getName(), Map.of("maxCount", "3"))));
        assertThat(WebXmlSettings.of(ctx)).containsEntry("maxCount", "3");
    }

    @Test
    void aBadValueOrUnknownKeyFailsWhereverItIsWritten() {
        // even when the other place has a good value that would otherwise win
        ServletContext bad = context(Map.of("online-now.maxCount", "lots"),
                Map.of("onlineNow", filter(OnlineNowFilter.class.getName(), Map.of("maxCount", "5"))));
        assertThatThrownBy(() -> WebXmlSettings.of(bad)).hasMessageContaining("'maxCount'").hasMessageContaining("lots");
        ServletContext unknown = context(Map.of(),
                Map.of("onlineNow", filter(OnlineNowFilter.class.getName(), Map.of("treshold", "PT5M"))));
        assertThatThrownBy(() -> WebXmlSettings.of(unknown)).hasMessageContaining("unknown setting 'treshold'");
    }

    @Test
    void aRestrictedContextFallsBackToTheContextParams() {
        ServletContext ctx = context(Map.of("online-now.maxCount", "9"), Map.of());
        when(ctx.getFilterRegistrations()).thenThrow(new UnsupportedOperationException("restricted"));
        assertThat(WebXmlSettings.of(ctx)).containsExactlyInAnyOrderEntriesOf(Map.of("maxCount", "9"));
    }

    @Test
    void aStartingFiltersOwnConfigStandsForItsRegistration() {
        ServletContext ctx = context(Map.of("online-now.maxCount", "4"),
                Map.of("onlineNow", filter(OnlineNowFilter.class.getName(), Map.of("maxCount", "4"))));
        assertThat(WebXmlSettings.merge(WebXmlSettings.places(ctx, "onlineNow", Map.of("maxCount", "4"))))
                .containsExactlyInAnyOrderEntriesOf(Map.of("maxCount", "4"));
        assertThat(WebXmlSettings.places(ctx, "onlineNow", Map.of("maxCount", "4")))
                .extracting(Place::filterName).containsExactly("onlineNow", null);
    }

    @Test
    void mergeIsPlainAboutPlacesInCode() {
        List<Place> places = List.of(Place.filter("f", Map.of("exclude", "/static/*")),
                Place.contextParams(Map.of("exclude", "/img/*")));
        assertThatThrownBy(() -> WebXmlSettings.merge(places))
                .hasMessageStartingWith("online-now: exclude is /static/* as filter f's init-param "
                        + "but /img/* as context-param online-now.exclude");
    }
}
