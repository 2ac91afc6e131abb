package dev.onlinenow.example;

/**
 * Where a person is, in words, from the location online-now keeps for them (the last page's
 * label, {@code onlineNowLocation}, or its path). The pages set labels:
 * {@code home}, {@code who-is-online} and {@code board:ID}.
 *
 * <pre>{@code
 * <c:set var="onlineNowLocation" value="board:${board}" scope="request"/>   (whiteboard.jsp)
 * <c:out value="${ex:place(u.location)}"/>                                    ("on the board Roadmap")
 * }</pre>
 */
public final class Places {

    static final String HOME = "home";
    static final String WHO_IS_ONLINE = "who-is-online";
    static final String BOARD_PREFIX = "board:";

    private Places() {
    }

    /** The location label of a board's page ({@code on:viewerCount(ex:boardPlace(id))}). */
    public static String boardPlace(String boardId) {
        return BOARD_PREFIX + boardId;
    }

    /**
     * The location in words: "on the home page", "on the board Roadmap", "on who is online";
     * another page by its path ("on /login"); "" when unknown. Plain text: show it escaped.
     */
    public static String describe(String location) {
        if (location == null || location.isEmpty()) {
            return "";
        }
        if (location.equals(HOME)) {
            return "on the home page";
        }
        if (location.equals(WHO_IS_ONLINE)) {
            return "on who is online";
        }
        if (location.startsWith(BOARD_PREFIX)) {
            return "on the board " + Board.titleOf(location.substring(BOARD_PREFIX.length()));
        }
        return "on " + location;
    }
}
