package dev.onlinenow.live;

import jakarta.json.Json;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ViewMergeTest {

    static Presence p(String id, long joinedAt) {
        return new Presence(id, id.toUpperCase(), null, 1, joinedAt);
    }

    static Map<String, Presence> view(Presence... ps) {
        Map<String, Presence> v = new LinkedHashMap<>();
        for (Presence p : ps) {
            v.put(p.getId(), p);
        }
        return v;
    }

    final Presence ann = p("ann", 1);
    final Presence bob = p("bob", 2);
    final Presence cid = p("cid", 3);

    @Test
    void theDifferenceIsWhoCameWhoWentAndWhoChanged() {
        Presence bobAway = bob.withMeta(Json.createObjectBuilder().add("away", true).build());
        ViewMerge.Diff d = ViewMerge.presences(view(ann, bob), List.of(bobAway, cid), Set.of(), Set.of(), true);
        assertThat(d.joined()).containsExactly(cid);
        assertThat(d.changed()).containsExactly(bobAway);
        assertThat(d.left()).containsExactly("ann");
        assertThat(d.view()).containsExactly(bobAway, cid);
    }

    @Test
    void theSameRoomIsNoDifference() {
        ViewMerge.Diff d = ViewMerge.presences(view(ann, bob), List.of(bob.withConnections(3), ann), Set.of(),
                Set.of("ann"), true);
        assertThat(d.isEmpty()).isTrue();
        assertThat(d.view()).extracting(Presence::getId).containsExactly("ann", "bob"); // join order
        assertThat(d.view().get(1).getConnections()).isEqualTo(3); // the store's counts are taken
    }

    @Test
    void aUserAMessageChangedDuringTheFetchKeepsTheViewsEntry() {
        Presence bobNew = bob.withMeta(Json.createObjectBuilder().add("n", 2).build());
        // bob changed (the view is newer than the store's answer); cid joined during the fetch; ann left during it
        ViewMerge.Diff d = ViewMerge.presences(view(bobNew, cid), List.of(ann, bob), Set.of("ann", "bob", "cid"),
                Set.of(), true);
        assertThat(d.isEmpty()).isTrue();
        assertThat(d.view()).containsExactly(bobNew, cid);
    }

    @Test
    void absencesAreNotLeavesWhileTheStoreIsRefilled() {
        ViewMerge.Diff d = ViewMerge.presences(view(ann, bob), List.of(bob), Set.of(), Set.of(), false);
        assertThat(d.left()).isEmpty();
        assertThat(d.view()).containsExactly(ann, bob);
    }

    @Test
    void aStoreWithoutOurOwnMembersLostDataAndIsNotBelieved() {
        assertThat(ViewMerge.presences(view(ann, bob), List.of(bob), Set.of(), Set.of("ann"), true)).isNull();
    }

    @Test
    void theSameMetaWrittenInAnotherKeyOrderIsNoChange() {
        Presence a1 = ann.withMeta(Json.createObjectBuilder().add("a", 1).add("b", 2).build());
        Presence a2 = ann.withMeta(Json.createObjectBuilder().add("b", 2).add("a", 1).build());
        assertThat(ViewMerge.presences(view(a1), List.of(a2), Set.of(), Set.of(), true).changed()).isEmpty();
    }

    @Test
    void cursorsComeFromTheStoreButForThosePlacedHere() {
        Map<String, Cursor> v = new LinkedHashMap<>();
        v.put("ann", new Cursor("ann", 1, 1, 10));
        v.put("bob", new Cursor("bob", 2, 2, 10));
        v.put("old", new Cursor("old", 3, 3, 10));
        List<Cursor> merged = ViewMerge.cursors(v, List.of(new Cursor("ann", 9, 9, 20), new Cursor("cid", 4, 4, 20)),
                Set.of("bob"));
        assertThat(merged).extracting(Cursor::getId).containsExactly("ann", "bob", "cid");
        assertThat(merged.get(0).getX()).isEqualTo(1); // the view's own is kept
        assertThat(ViewMerge.cursors(v, List.of(new Cursor("ann", 9, 9, 20), new Cursor("old", 3, 3, 10)),
                Set.of("bob"))).isNull();
    }
}
