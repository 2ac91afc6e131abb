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

    /** WCAG 2.2 contrast for small text (success criterion 1.4.3). */
    static final double MIN_CONTRAST = 4.5;
    private static final double SATURATION = 0.7;
    private static final int[] TOP_LIGHTNESS = new int[360];

    static {
        for (int hue = 0; hue < 360; hue++) {
            int top = 50;
            while (contrastWithWhite(rgb(hue, SATURATION, top / 100.0)) < MIN_CONTRAST) {
                top--;
            }
            TOP_LIGHTNESS[hue] = top;
        }
    }

    /**
     * The CSS colour ({@code #rrggbb}) of an id, as online-now.js's {@code OnlineNow.colorFor}, on
     * which white text reads at 4.5:1 or better. The rule: FNV-1a (32 bit) over the id's UTF-16
     * code units (what JavaScript's {@code charCodeAt} reads) gives h; the hue is h mod 360, the
     * step (h >>> 9) mod 3, the saturation 70%, and the lightness min(38 + 6 x step, top - 4 x step)
     * percent, where top (at most 50) is the lightest whole percentage at which white on that hue
     * reaches 4.5:1. The colour is rounded to 8 bits per channel as CSS Color 4's hslToRgb gives it.
     */
    public static String color(String id) {
        long h = hash(id == null ? "" : id);
        int hue = (int) (h % 360);
        int step = (int) ((h >>> 9) % 3);
        int lightness = Math.min(38 + 6 * step, TOP_LIGHTNESS[hue] - 4 * step);
        int[] c = rgb(hue, SATURATION, lightness / 100.0);
        return String.format(java.util.Locale.ROOT, "#%02x%02x%02x", c[0], c[1], c[2]);
    }

    /** CSS Color 4's hslToRgb, rounded to 8 bits per channel (the same arithmetic as online-now.js). */
    static int[] rgb(int hue, double saturation, double lightness) {
        double a = saturation * Math.min(lightness, 1 - lightness);
        int[] out = new int[3];
        int[] n = {0, 8, 4};
        for (int i = 0; i < 3; i++) {
            double k = (n[i] + hue / 30.0) % 12;
            out[i] = (int) Math.round(255 * (lightness - a * Math.max(-1, Math.min(Math.min(k - 3, 9 - k), 1))));
        }
        return out;
    }

    /** WCAG's contrast ratio of white text on an 8-bit sRGB colour. */
    static double contrastWithWhite(int[] rgb) {
        double l = 0.2126 * luminance(rgb[0]) + 0.7152 * luminance(rgb[1]) + 0.0722 * luminance(rgb[2]);
        return 1.05 / (l + 0.05);
    }

    private static double luminance(int c8) {
        double c = c8 / 255.0;
        // StrictMath: fdlibm's pow, as JavaScript engines have it
        return c <= 0.04045 ? c / 12.92 : StrictMath.pow((c + 0.055) / 1.055, 2.4);
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
