package dev.onlinenow.example;

/**
 * Avatars without images: initials on a colour derived from the user id. The page script
 * ({@code static/app.js}) derives the same hue with the same hash, so a user has one colour in
 * the online list, the room's avatars and their cursor.
 *
 * <pre>{@code
 * <%@ taglib prefix="ex" uri="urn:online-now-example" %>
 * <span class="avatar" style="--hue: ${ex:hue(u.id)}">${fn:escapeXml(ex:initials(u.name))}</span>
 * }</pre>
 */
public final class Avatars {

    private Avatars() {
    }

    /**
     * A hue from 0 to 359 for an id: FNV-1a (32 bit) over the id's UTF-16 code units, modulo 360.
     * UTF-16 units rather than bytes so that JavaScript's {@code charCodeAt} gives the same result.
     */
    public static int hue(String id) {
        if (id == null) {
            return 0;
        }
        int h = 0x811c9dc5;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x01000193;
        }
        return (int) (Integer.toUnsignedLong(h) % 360);
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
