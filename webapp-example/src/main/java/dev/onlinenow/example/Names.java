package dev.onlinenow.example;

import java.text.Normalizer;
import java.util.regex.Pattern;

/** What the demo accepts as a sign-in name and as a board id. */
final class Names {

    /** The session attribute the signed-in name is kept in ({@code online-now.userId = session:user}). */
    static final String USER_ATTRIBUTE = "user";
    /** Whether the user hides their online status ({@code online-now.hidden = session:hideOnline}). */
    static final String HIDE_ATTRIBUTE = "hideOnline";
    /** Whether the user signed in as staff (the role {@code staff}, {@link StaffRoleFilter}). */
    static final String STAFF_ATTRIBUTE = "staff";

    static final int MAX_NAME_LENGTH = 32;
    static final int MAX_BOARD_LENGTH = 40;

    /* letters and digits of any script, and the few marks names carry; nothing that needs escaping
     * in a URL path or confuses a reader (no control or invisible characters) */
    private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{M}\\p{N}][\\p{L}\\p{M}\\p{N} .'_-]*");
    private static final Pattern BOARD = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private Names() {
    }

    /**
     * The name as it will be kept: NFC-normalised, trimmed, runs of white space made one space.
     *
     * @throws IllegalArgumentException with a message for the sign-in form
     */
    static String signInName(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("Type a name to sign in.");
        }
        String name = SPACES.matcher(Normalizer.normalize(raw, Normalizer.Form.NFC).strip()).replaceAll(" ");
        if (name.codePointCount(0, name.length()) > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("Names are at most " + MAX_NAME_LENGTH + " characters.");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "Use letters, digits, spaces and . ' _ - only, starting with a letter or digit.");
        }
        return name;
    }

    /**
     * The board id as used in URLs and as the room name: lower case letters, digits, - and _.
     *
     * @throws IllegalArgumentException with a message for the error page
     */
    static String boardId(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("Name a board, for example ?board=design.");
        }
        String id = raw.strip().toLowerCase(java.util.Locale.ROOT);
        if (id.length() > MAX_BOARD_LENGTH || !BOARD.matcher(id).matches()) {
            throw new IllegalArgumentException("Board names are 1 to " + MAX_BOARD_LENGTH
                    + " characters: letters a-z, digits, - and _, starting with a letter or digit.");
        }
        return id;
    }

    /** A board id if {@code raw} is one, else null (for optional parameters). */
    static String boardIdOrNull(String raw) {
        try {
            return raw == null ? null : boardId(raw);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
