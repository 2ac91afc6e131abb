package dev.onlinenow.live;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;

import java.io.StringReader;
import java.util.Map;

/**
 * Turns one text frame from a client into a {@link Message} the live layer can act on, or a
 * {@link Refusal} to send back as an {@code error}: a pure function of the text (and the
 * {@code maxMetaBytes} setting), which never throws for any input.
 *
 * <p>What it guarantees about a {@link Message}, so that nothing a client sends can make a frame
 * the server cannot deliver (docs/protocol.md, section 2):
 *
 * <ul>
 *   <li>the text was one JSON object and nothing after it, at most {@link Protocol#MAX_DEPTH}
 *       levels deep, every number at most {@link Protocol#MAX_NUMBER_LENGTH} characters with an
 *       exponent of at most {@link Protocol#MAX_EXPONENT_DIGITS} digits, no key twice in one object;
 *   <li>every string in it, key or value, at any depth, is valid Unicode (no lone surrogate, which
 *       a JSON {@code \ud800} escape would otherwise produce and no container can encode);
 *   <li>its {@code type} is a known one, its {@code room} (if the type has one) a valid room name,
 *       its {@code meta} (if any) an object within {@code maxMetaBytes} as UTF-8 JSON whose keys
 *       have no control characters and whose strings have none but tab, line feed and carriage
 *       return, without the server's own keys; a {@code cursor}'s {@code x} and {@code y} are
 *       finite and within ±1e6.
 * </ul>
 *
 * <p>Depth and number length are checked on the text before it is parsed, so the parser never
 * sees what would make it recurse deeply or build a huge number; the parser is also configured
 * with the same bounds (Parsson's {@code org.eclipse.parsson.*} properties; another JSON-P
 * provider ignores them), and whatever it throws anyway is a {@code bad_json} refusal.
 */
final class FrameDecoder {

    /** A frame the live layer acts on; fields a type does not have are null (or NaN). */
    record Message(String type, String room, JsonObject meta, String metaJson, double x, double y, JsonObject json)
            implements Result {
    }

    /** A frame refused: the {@code error} to answer with ({@code ref} and {@code room} may be null). */
    record Refusal(String code, String message, String ref, String room) implements Result {

        /** The {@code error} frame. */
        String frame() {
            return Protocol.error(code, message, ref, room);
        }
    }

    /** Either a {@link Message} or a {@link Refusal}. */
    sealed interface Result permits Message, Refusal {
    }

    /*
     * The provider's own bounds as well: Parsson 1.1 reads these (JsonConfig in its api package,
     * which is not on our compile class path: Parsson is a runtime dependency). Any provider
     * ignores keys it does not know.
     */
    private static final JsonParserFactory PARSERS = Protocol.PROVIDER.createParserFactory(Map.of(
            "org.eclipse.parsson.maxDepth", Protocol.MAX_DEPTH + 1, // it counts from 0; our scan is exact
            "org.eclipse.parsson.maxBigDecimalLength", Protocol.MAX_NUMBER_LENGTH,
            "org.eclipse.parsson.maxBigIntegerScale", 400,
            "org.eclipse.parsson.rejectDuplicateKeys", true));

    private final int maxMetaBytes;

    FrameDecoder(int maxMetaBytes) {
        this.maxMetaBytes = maxMetaBytes;
    }

    /** Decodes one text frame. Never throws. */
    Result decode(String text) {
        if (text == null) {
            return badJson("not valid JSON");
        }
        String bound = checkBounds(text);
        if (bound != null) {
            return badJson(bound);
        }
        JsonValue v;
        try (JsonParser p = PARSERS.createParser(new StringReader(text))) {
            if (!p.hasNext()) {
                return badJson("not valid JSON");
            }
            p.next();
            v = p.getValue();
            if (p.hasNext()) {
                return badJson("not valid JSON: more after the object");
            }
        } catch (RuntimeException | StackOverflowError e) {
            // whatever the provider throws (JsonException, NumberFormatException, ...) is a bad frame
            return badJson("not valid JSON");
        }
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            return new Refusal(Protocol.BAD_MESSAGE, "a message must be a JSON object with a type", null, null);
        }
        JsonObject msg = v.asJsonObject();
        JsonValue typeValue = msg.get("type");
        if (!(typeValue instanceof JsonString) || !validUnicode(((JsonString) typeValue).getString())) {
            return new Refusal(Protocol.BAD_MESSAGE, "a message needs a string \"type\"", null, null);
        }
        String type = ((JsonString) typeValue).getString();
        if (!allValidUnicode(msg)) {
            return new Refusal(Protocol.BAD_MESSAGE, "every string must be valid Unicode (no lone surrogate such as "
                    + "\\ud800 without its pair)", abbreviate(type), null);
        }
        switch (type) {
            case Protocol.PING:
            case Protocol.ONLINE:
                return new Message(type, null, null, null, Double.NaN, Double.NaN, msg);
            case Protocol.JOIN:
            case Protocol.LEAVE:
            case Protocol.META:
            case Protocol.CURSOR:
                return withRoom(type, msg);
            default:
                String t = abbreviate(type);
                return new Refusal(Protocol.UNKNOWN_TYPE, "unknown message type \"" + t + "\"", t, null);
        }
    }

    private Result withRoom(String type, JsonObject msg) {
        JsonValue r = msg.get("room");
        String room = r instanceof JsonString ? ((JsonString) r).getString() : null;
        if (!Protocol.validRoom(room)) {
            return new Refusal(Protocol.BAD_MESSAGE, type + " needs a \"room\": a string of 1 to "
                    + Protocol.MAX_ROOM_LENGTH + " characters without control characters", type, null);
        }
        switch (type) {
            case Protocol.LEAVE:
                return new Message(type, room, null, null, Double.NaN, Double.NaN, msg);
            case Protocol.CURSOR:
                JsonValue x = msg.get("x");
                JsonValue y = msg.get("y");
                if (!(x instanceof JsonNumber) || !(y instanceof JsonNumber)
                        || !Cursor.validCoordinate(((JsonNumber) x).doubleValue())
                        || !Cursor.validCoordinate(((JsonNumber) y).doubleValue())) {
                    return new Refusal(Protocol.BAD_CURSOR, "x and y must be finite numbers within ±1e6", type, room);
                }
                return new Message(type, room, null, null, ((JsonNumber) x).doubleValue(), ((JsonNumber) y).doubleValue(),
                        msg);
            default: // join, meta
                JsonValue m = msg.get("meta");
                boolean absent = m == null || m.getValueType() == JsonValue.ValueType.NULL;
                if (absent && type.equals(Protocol.JOIN)) {
                    return new Message(type, room, null, null, Double.NaN, Double.NaN, msg);
                }
                if (m == null) {
                    return new Refusal(Protocol.BAD_MESSAGE, "meta needs a \"meta\" object", type, room);
                }
                if (m.getValueType() != JsonValue.ValueType.OBJECT) {
                    return new Refusal(Protocol.BAD_MESSAGE, "\"meta\" must be a JSON object", type, null);
                }
                return withMeta(type, room, msg, m.asJsonObject());
        }
    }

    private Result withMeta(String type, String room, JsonObject msg, JsonObject meta) {
        String json = meta.toString();
        if (utf8Length(json) > maxMetaBytes) {
            return new Refusal(Protocol.META_TOO_LARGE, "meta may take at most " + maxMetaBytes + " bytes as JSON",
                    type, null);
        }
        String bad = badMetaText(meta);
        if (bad != null) {
            return new Refusal(Protocol.BAD_MESSAGE, bad, type, null);
        }
        boolean clean = true;
        for (String k : Protocol.SERVER_FIELDS) {
            clean &= !meta.containsKey(k);
        }
        if (!clean) {
            JsonObjectBuilder b = Protocol.JSON.createObjectBuilder();
            meta.forEach((k, val) -> {
                if (!Protocol.SERVER_FIELDS.contains(k)) {
                    b.add(k, val);
                }
            });
            meta = b.build();
            json = meta.toString();
            msg = Protocol.JSON.createObjectBuilder(msg).add("meta", meta).build();
        }
        return new Message(type, room, meta, json, Double.NaN, Double.NaN, msg);
    }

    // --- checks on the text ------------------------------------------------------------------

    /**
     * Nesting depth and number tokens, on the raw text: a linear scan that only tracks whether it
     * is inside a string. Returns what is wrong, or null. It does not validate JSON (the parser
     * does), it only keeps the parser from seeing what is too deep or too long.
     */
    static String checkBounds(String text) {
        int depth = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"':
                    i = endOfString(text, i);
                    break;
                case '{':
                case '[':
                    if (++depth > Protocol.MAX_DEPTH) {
                        return "nested more than " + Protocol.MAX_DEPTH + " levels deep";
                    }
                    break;
                case '}':
                case ']':
                    depth--;
                    break;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        int end = i;
                        while (end < n && isNumberChar(text.charAt(end))) {
                            end++;
                        }
                        String bad = checkNumber(text, i, end);
                        if (bad != null) {
                            return bad;
                        }
                        i = end - 1;
                    }
            }
        }
        return null;
    }

    /** The index of the closing quote of the string opening at {@code start} (or the end of the text). */
    private static int endOfString(String text, int start) {
        for (int i = start + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        return text.length();
    }

    private static boolean isNumberChar(char c) {
        return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
    }

    private static String checkNumber(String text, int start, int end) {
        if (end - start > Protocol.MAX_NUMBER_LENGTH) {
            return "a number longer than " + Protocol.MAX_NUMBER_LENGTH + " characters";
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == 'e' || c == 'E') {
                int digits = 0;
                for (int j = i + 1; j < end; j++) {
                    char d = text.charAt(j);
                    if (d >= '0' && d <= '9') {
                        digits++;
                    }
                }
                if (digits > Protocol.MAX_EXPONENT_DIGITS) {
                    return "a number whose exponent has more than " + Protocol.MAX_EXPONENT_DIGITS + " digits";
                }
                break;
            }
        }
        return null;
    }

    // --- checks on strings -------------------------------------------------------------------

    /** Whether {@code s} is well-formed UTF-16: every surrogate is half of a pair. */
    static boolean validUnicode(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether every key and string in {@code v}, at any depth, is valid Unicode. */
    static boolean allValidUnicode(JsonValue v) {
        switch (v.getValueType()) {
            case STRING:
                return validUnicode(((JsonString) v).getString());
            case OBJECT:
                for (Map.Entry<String, JsonValue> e : v.asJsonObject().entrySet()) {
                    if (!validUnicode(e.getKey()) || !allValidUnicode(e.getValue())) {
                        return false;
                    }
                }
                return true;
            case ARRAY:
                for (JsonValue e : v.asJsonArray()) {
                    if (!allValidUnicode(e)) {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    /** What is wrong with the text in a meta (control characters), or null. */
    private static String badMetaText(JsonValue v) {
        switch (v.getValueType()) {
            case STRING:
                return Protocol.validMetaString(((JsonString) v).getString()) ? null
                        : "meta strings may not hold control characters other than tab, line feed and carriage return";
            case OBJECT:
                for (Map.Entry<String, JsonValue> e : v.asJsonObject().entrySet()) {
                    if (!Protocol.validMetaKey(e.getKey())) {
                        return "meta keys may not hold control characters";
                    }
                    String bad = badMetaText(e.getValue());
                    if (bad != null) {
                        return bad;
                    }
                }
                return null;
            case ARRAY:
                for (JsonValue e : v.asJsonArray()) {
                    String bad = badMetaText(e);
                    if (bad != null) {
                        return bad;
                    }
                }
                return null;
            default:
                return null;
        }
    }

    /** At most 40 characters of a type for echoing it, never cutting a surrogate pair in two. */
    static String abbreviate(String s) {
        if (s.length() <= 40) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(39)) ? 39 : 40;
        return s.substring(0, end) + "...";
    }

    /** The UTF-8 length of valid UTF-16 text, without encoding it. */
    static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static Refusal badJson(String message) {
        return new Refusal(Protocol.BAD_JSON, message, null, null);
    }
}
