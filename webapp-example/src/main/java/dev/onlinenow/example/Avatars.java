package dev.onlinenow.example;

/**
 * Avatars without images: initials on a colour derived from the user id. The colour is the one
 * {@code OnlineNow.colorFor(id)} gives in online-now.js (which draws the cursors), so a user has
 * one colour in the online list, the board's avatars and their cursor.
 *
 * <pre>{@code
 * <%@ taglib prefix="ex" uri="urn:online-now-example" %>
 * <span class="avatar" style="background: ${ex:color(u.id)}"><c:out value="${ex:initials(u.name)}"/></span>
 * }</pre>
 */
public final class Avatars {

    private Avatars() {
    }

    /**
     * The CSS colour of an id, as online-now.js's {@code colorFor}: FNV-1a (32 bit) over the id's
     * UTF-16 code units (what JavaScript's {@code charCodeAt} reads); the hue is the hash modulo
     * 360, the lightness one of 38, 44 or 50 % from bits 9 and up, so neighbours in hue differ.
     */
    public static String color(String id) {
        long h = hash(id == null ? "" : id);
        return "hsl(" + (h % 360) + ", 70%, " + (38 + ((h >>> 9) % 3) * 6) + "%)";
    }

    /** The hue (0-359) of {@link #color(String)}, for tinted backgrounds. */
    public static int hue(String id) {
        return (int) (hash(id == null ? "" : id) % 360);
    }

    private static long hash(String id) {
        int h = 0x811c9dc5;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x01000193;
        }
        return Integer.toUnsignedLong(h);
    }

    /** One or two letters for a name: the first letters of its first and last words ("Ada Lovelace" gives "AL"). */
    public static String initials(String name) {
        if (name == null || name.isBlank()) {
            return "?";
        }
        String[] words = name.strip().split("[\\s._-]+");
        StringBuilder out = new StringBuilder(4);
        out.appendCodePoint(firstLetter(words[0]));
        if (words.length > 1) {
            String last = words[words.length - 1];
            if (!last.isEmpty()) {
                out.appendCodePoint(firstLetter(last));
            }
        }
        return out.toString().toUpperCase(java.util.Locale.ROOT);
    }

    private static int firstLetter(String word) {
        return word.isEmpty() ? '?' : word.codePointAt(0);
    }
}
