package dev.onlinenow.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Not an API: how the {@code on:} EL functions find the live layer of the web app whose request
 * thread this is, without the core linking the live layer's classes (an app without the
 * WebSocket API has no live layer, and the functions answer empty then).
 */
public final class LiveRooms {

    /** What the EL functions read: this server's view of a room, answered without waiting. */
    public interface View {
        /** The room's presences ({@code dev.onlinenow.live.Presence}); empty for an unknown or invalid room. */
        List<?> presences(String room);

        /** Users in the room. */
        int count(String room);
    }

    /* per loader, the live layers started with it, latest last (tests start several in one JVM) */
    private static final Map<ClassLoader, List<View>> BY_LOADER = new ConcurrentHashMap<>();

    private LiveRooms() {
    }

    /** Makes {@code view} the live layer of the web app whose class loader {@code loader} is. */
    public static void register(ClassLoader loader, View view) {
        if (loader != null) {
            BY_LOADER.computeIfAbsent(loader, l -> new CopyOnWriteArrayList<>()).add(view);
        }
    }

    /** Forgets {@code view} (when its web app stops), if it is still the one registered. */
    public static void unregister(ClassLoader loader, View view) {
        if (loader != null) {
            BY_LOADER.computeIfPresent(loader, (l, views) -> {
                views.remove(view);
                return views.isEmpty() ? null : views;
            });
        }
    }

    /**
     * The live layer of the web app whose thread this is (the latest started, if several); with
     * one web app, that one; else null.
     */
    public static View current() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        List<View> found = loader == null ? null : BY_LOADER.get(loader);
        if (found == null && BY_LOADER.size() == 1) {
            found = BY_LOADER.values().iterator().next();
        }
        if (found == null) {
            return null;
        }
        Object[] views = found.toArray();
        return views.length == 0 ? null : (View) views[views.length - 1];
    }
}
