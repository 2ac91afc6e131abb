package dev.onlinenow;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a page sees of the filter's request attributes: each documented name read, as EL's
 * {@code findAttribute} reads it, from the request the chain is given, while the page runs.
 */
final class PageSees {

    static final List<String> NAMES = List.of(OnlineNowFilter.IDS_ATTRIBUTE, OnlineNowFilter.USERS_ATTRIBUTE,
            OnlineNowFilter.COUNT_ATTRIBUTE, OnlineNowFilter.GUEST_COUNT_ATTRIBUTE,
            OnlineNowFilter.HIDDEN_COUNT_ATTRIBUTE, OnlineNowFilter.ROBOT_COUNT_ATTRIBUTE,
            OnlineNowFilter.ROBOTS_ATTRIBUTE, OnlineNowFilter.RECORD_ATTRIBUTE);

    private PageSees() {
    }

    /** Puts into {@code into} the documented attributes {@code request} answers (those not null). */
    static void read(ServletRequest request, Map<String, Object> into) {
        for (String name : NAMES) {
            Object value = request.getAttribute(name);
            if (value != null) {
                into.put(name, value);
            }
        }
    }

    /** A chain whose page does {@code page} with the request it is given, then reads the attributes into {@code into}. */
    static FilterChain chain(Map<String, Object> into, Consumer<HttpServletRequest> page) {
        return (request, response) -> {
            page.accept((HttpServletRequest) request);
            read(request, into);
        };
    }

    /** A chain whose page reads the attributes into {@code into}. */
    static FilterChain chain(Map<String, Object> into) {
        return chain(into, r -> { });
    }
}
