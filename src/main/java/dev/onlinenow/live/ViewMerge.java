package dev.onlinenow.live;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merging a room as the store has it into this server's view of it: a pure function (as Phoenix's
 * {@code Presence.State.merge}) that returns the new view and the difference, and changes nothing.
 * The caller ({@link RoomFetch}) puts the view in place and tells the members the difference.
 */
final class ViewMerge {

    static final Comparator<Presence> JOIN_ORDER =
            Comparator.comparingLong(Presence::getJoinedAtMillis).thenComparing(Presence::getId);

    /**
     * The outcome of {@link #presences}.
     *
     * @param view    the new view, in join order
     * @param joined  presences the view lacked
     * @param changed presences whose name, meta or connections' metas differ from the view's
     * @param left    ids in the view that the store no longer has
     */
    record Diff(List<Presence> view, List<Presence> joined, List<Presence> changed, List<String> left) {
        boolean isEmpty() {
            return joined.isEmpty() && changed.isEmpty() && left.isEmpty();
        }
    }

    private ViewMerge() {
    }

    /**
     * Makes the view what the store says, but for users a message changed while the store was
     * being read (the message is newer than the store's answer).
     *
     * @param view          the current view, by id
     * @param fresh         the store's presences
     * @param touched       users a message changed while the store was read: their entry in the view stands
     * @param ours          users with a connection on this server
     * @param trustAbsences whether a user missing from the store has left (false while the store
     *                      is being refilled after it lost data)
     * @return the merge, or null if the store lacks some of {@code ours}: it lost data (the backend
     *         puts them back), and comparing with it now would tell the sockets that everybody left
     */
    static Diff presences(Map<String, Presence> view, List<Presence> fresh, Set<String> touched, Set<String> ours,
                          boolean trustAbsences) {
        Set<String> freshIds = new HashSet<>();
        for (Presence p : fresh) {
            freshIds.add(p.getId());
        }
        if (!freshIds.containsAll(ours)) {
            return null;
        }
        List<Presence> joined = new ArrayList<>();
        List<Presence> changed = new ArrayList<>();
        List<String> left = new ArrayList<>();
        LinkedHashMap<String, Presence> next = new LinkedHashMap<>();
        for (Presence p : fresh) {
            Presence before = view.get(p.getId());
            if (touched.contains(p.getId())) {
                if (before != null) {
                    next.put(p.getId(), before);
                }
                continue;
            }
            next.put(p.getId(), p);
            if (before == null) {
                joined.add(p);
            } else if (!before.getName().equals(p.getName())
                    || !before.metaJson().equals(p.metaJson()) && !before.getMeta().equals(p.getMeta())
                    || !before.sameMetas(p)) {
                changed.add(p);
            }
        }
        for (Map.Entry<String, Presence> e : view.entrySet()) {
            String id = e.getKey();
            if (freshIds.contains(id)) {
                continue;
            }
            if (touched.contains(id) || !trustAbsences) {
                next.put(id, e.getValue());
            } else {
                left.add(id);
            }
        }
        // in join order, also where a member kept from the old view sits among fresh ones
        List<Presence> ordered = new ArrayList<>(next.values());
        ordered.sort(JOIN_ORDER);
        return new Diff(List.copyOf(ordered), List.copyOf(joined), List.copyOf(changed), List.copyOf(left));
    }

    /**
     * The store's cursors merged into the view's: the store's, but for those this server placed
     * itself (it knows them best), and a cursor the view has is not replaced by the store's.
     *
     * @return the new cursor view in order, or null if it is the same as {@code view}
     */
    static List<Cursor> cursors(Map<String, Cursor> view, List<Cursor> fresh, Set<String> placedHere) {
        LinkedHashMap<String, Cursor> next = new LinkedHashMap<>(view);
        Set<String> freshIds = new HashSet<>();
        boolean changed = false;
        for (Cursor c : fresh) {
            freshIds.add(c.getId());
            if (!placedHere.contains(c.getId()) && !next.containsKey(c.getId())) {
                next.put(c.getId(), c);
                changed = true;
            }
        }
        changed |= next.keySet().removeIf(id -> !freshIds.contains(id) && !placedHere.contains(id));
        return changed ? List.copyOf(next.values()) : null;
    }
}
