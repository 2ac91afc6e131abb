package dev.onlinenow.example;

import java.util.List;

/** A board the home page suggests; any other valid id works too. JavaBean getters for EL. */
public final class Board {

    static final List<Board> SUGGESTED = List.of(
            new Board("design", "Design review", "Walk through the new sign-up flow together."),
            new Board("roadmap", "Roadmap", "What ships this quarter, and what waits."),
            new Board("retro", "Sprint retro", "What went well, what to change."));

    private final String id;
    private final String title;
    private final String description;

    Board(String id, String title, String description) {
        this.id = id;
        this.title = title;
        this.description = description;
    }

    public String getId() {
        return id;
    }

    public String getTitle() {
        return title;
    }

    public String getDescription() {
        return description;
    }

    /** The board's title if it is a suggested one, else its id. */
    static String titleOf(String id) {
        for (Board b : SUGGESTED) {
            if (b.id.equals(id)) {
                return b.title;
            }
        }
        return id;
    }
}
