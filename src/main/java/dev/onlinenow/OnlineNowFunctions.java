package dev.onlinenow;

import dev.onlinenow.internal.LiveRooms;

import java.util.Date;
import java.util.List;

/**
 * EL functions for any user, not just the listed ones:
 *
 * <pre>{@code
 * <%@ taglib prefix="on" uri="urn:online-now" %>
 * <c:if test="${on:isOnline(post.author)}">online</c:if>
 * last seen <fmt:formatDate value="${on:lastSeen(post.author)}" type="time"/>
 * ${on:presenceCount(board)} here:
 * <c:forEach var="p" items="${on:presences(board)}"><span title="${p.id}">${p.name}</span></c:forEach>
 * }</pre>
 *
 * They find the web app's index (and live layer) by the request thread; with no index they answer
 * false / null, with no live layer an empty list / 0. A user who hides their online status is not
 * online to a viewer who may not see hidden users (README, "Who is online, as forums show it").
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
    public static List<OnlineUser> viewers(String location) {
        OnlineNow online = OnlineNow.current();
        return online == null ? List.of() : online.viewers(location, OnlineNow.viewer());
    }

    /** When the user was last active, or null if not within the threshold (or the viewer may not know it). */
    public static Date lastSeen(String userId) {
        OnlineNow online = OnlineNow.current();
        return online == null ? null : online.lastSeen(userId, OnlineNow.viewer()).map(Date::from).orElse(null);
    }

    /**
     * The live room's presences as this server sees it (each with {@code id}, {@code name},
     * {@code meta}, {@code metas}, {@code connections}), in join order; read from this server's
     * view without waiting (with {@code store=redis}, a room this server has not seen yet is empty
     * on the first read and fetched for the next). Empty without the live layer, for a null room
     * or a name the live layer would refuse.
     */
    public static List<?> presences(String room) {
        LiveRooms.View live = LiveRooms.current();
        return live == null || room == null ? List.of() : live.presences(room);
    }

    /** Users in the live room, as {@link #presences} counts them. */
    public static int presenceCount(String room) {
        LiveRooms.View live = LiveRooms.current();
        return live == null || room == null ? 0 : live.count(room);
    }
}
