package dev.onlinenow;

import java.util.Date;

/**
 * EL functions for any user, not just the listed ones:
 *
 * <pre>{@code
 * <%@ taglib prefix="on" uri="urn:online-now" %>
 * <c:if test="${on:isOnline(post.author)}">online</c:if>
 * last seen <fmt:formatDate value="${on:lastSeen(post.author)}" type="time"/>
 * }</pre>
 *
 * They find the web app's index by the request thread; with no index they answer false / null.
 * A user who hides their online status is not online to a viewer who may not see hidden users
 * (README, "Who is online, as forums show it").
 */
public final class OnlineNowFunctions {

    private OnlineNowFunctions() {
    }

    /** True if the user was active within the threshold (and the viewer may know it). */
    public static boolean isOnline(String userId) {
        OnlineNow online = OnlineNow.current();
        return online != null && online.isOnline(userId, OnlineNow.viewer());
    }

    /** People (users and guests) online whose last location is {@code location}. */
    public static long viewerCount(String location) {
        OnlineNow online = OnlineNow.current();
        return online == null ? 0 : online.viewerCount(location);
    }

    /** The users online whose last location is {@code location} (hidden ones as in {@code onlineNow}). */
    public static java.util.List<OnlineUser> viewers(String location) {
        OnlineNow online = OnlineNow.current();
        return online == null ? java.util.List.of() : online.viewers(location, OnlineNow.viewer());
    }

    /** When the user was last active, or null if not within the threshold (or the viewer may not know it). */
    public static Date lastSeen(String userId) {
        OnlineNow online = OnlineNow.current();
        return online == null ? null : online.lastSeen(userId, OnlineNow.viewer()).map(Date::from).orElse(null);
    }
}
