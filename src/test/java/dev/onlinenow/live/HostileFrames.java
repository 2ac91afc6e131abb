package dev.onlinenow.live;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A seeded generator of hostile text frames for the protocol fuzzer ({@link HostileInputITBase}):
 * what a person with the browser console open, or a script, can send. Every frame is a Java
 * string of valid UTF-16 (a WebSocket client cannot send anything else as text); the hostility is
 * in what the JSON says: lone surrogates written as {@code \ud800} escapes, control characters,
 * numbers no parser likes, deep nesting, wrong types, huge strings, unknown types, trailing
 * garbage, and valid but hostile joins and metas.
 *
 * <p>Why a seeded generator rather than jqwik: the fuzzer drives real sockets on a real server,
 * where a property framework's shrinking would replay thousands of network frames per step and
 * its lifecycle would have to be fitted around the per-class server of the ITs. A
 * {@link java.util.Random} with a printed seed reproduces a failing run exactly
 * ({@code -Dfuzz.seed=N}) and needs no new dependency.
 */
final class HostileFrames {

    /** One generated frame: its text, and what kind of hostility it is (for failure messages). */
    record Frame(String kind, String text) {
    }

    private final Random random;
    private final String room;
    private final int maxFrameBytes;
    private final List<Function<Random, Frame>> kinds;

    HostileFrames(long seed, String room, int maxFrameBytes) {
        this.random = new Random(seed);
        this.room = room;
        this.maxFrameBytes = maxFrameBytes;
        this.kinds = List.of(
                this::surrogate, this::surrogate, this::surrogate,
                this::control, this::control,
                this::number, this::number,
                this::deep,
                this::wrongType, this::wrongType,
                this::hugeString,
                this::unknownType,
                this::trailing,
                this::garbage,
                this::hostileButValid, this::hostileButValid, this::hostileButValid);
    }

    Frame next() {
        return kinds.get(random.nextInt(kinds.size())).apply(random);
    }

    /** A frame that does not parse, for floods. */
    Frame badJson() {
        return new Frame("bad-json flood", pick(random, List.of(
                "{\"type\":\"cursor\",\"room\":" + q(room) + ",\"x\":1e-2147483648,\"y\":0}",
                "{\"type\":\"ping\"",
                "[".repeat(3000),
                "{\"type\":\"ping\"} trailing")));
    }

    // --- kinds -------------------------------------------------------------------------------

    private static final List<String> LONE = List.of("\\ud800", "\\udbff", "\\udc00", "\\udfff",
            "\\ude00\\ud83d", "a\\ud83d", "\\ud83d\\u0041", "\\ud83d\\ud83d");

    private Frame surrogate(Random r) {
        String bad = "x" + pick(r, LONE) + "y";
        String where = pick(r, List.of("room", "metaKey", "metaValue", "nested", "type", "other", "deepKey"));
        String text;
        switch (where) {
            case "room":
                text = frame(pick(r, List.of("join", "leave", "meta", "cursor")), "\"" + bad + "\"", "{}");
                break;
            case "metaKey":
                text = frame(pick(r, List.of("join", "meta")), q(room), "{\"" + bad + "\":1}");
                break;
            case "metaValue":
                text = frame(pick(r, List.of("join", "meta")), q(room), "{\"away\":false,\"status\":\"" + bad + "\"}");
                break;
            case "nested":
                text = frame(pick(r, List.of("join", "meta")), q(room), "{\"a\":[1,{\"b\":[\"ok\",\"" + bad + "\"]}]}");
                break;
            case "type":
                text = "{\"type\":\"" + bad + "\",\"room\":" + q(room) + "}";
                break;
            case "deepKey":
                text = frame("meta", q(room), "{\"a\":{\"b\":{\"" + bad + "\":{\"c\":true}}}}");
                break;
            default:
                text = "{\"type\":\"ping\",\"note\":\"" + bad + "\"}";
        }
        return new Frame("surrogate/" + where, text);
    }

    private static final List<String> CONTROLS = List.of("\\u0000", "\\u0001", "\\u0007", "\\u001b", "\\u001f",
            "\\u007f", "\\u0085", "\\u009f", "\\n", "\\r", "\\t", "\\b", "\\f");

    private Frame control(Random r) {
        String c = pick(r, CONTROLS);
        String where = pick(r, List.of("room", "metaKey", "metaValue", "raw"));
        String text;
        switch (where) {
            case "room":
                text = frame("join", "\"a" + c + "b\"", "{}");
                break;
            case "metaKey":
                text = frame("meta", q(room), "{\"k" + c + "\":1}");
                break;
            case "metaValue":
                text = frame("meta", q(room), "{\"status\":\"v" + c + "w\"}");
                break;
            default:
                // a raw control character inside a JSON string is not JSON
                text = frame("meta", q(room), "{\"status\":\"v" + (char) r.nextInt(0x20) + "w\"}");
        }
        return new Frame("control/" + where, text);
    }

    private static final List<String> NUMBERS = List.of("1e-2147483648", "1e2147483647", "-1E+999999999",
            "1e400", "-1e-400", "1" + "0".repeat(400), "0." + "0".repeat(400) + "1", "123456789012345678901234567890",
            "-0", "1E+2147483648", "9e9999999999999999999", "NaN", "Infinity", "-Infinity", "0x10", "01", "1.", ".5",
            "+1", "1e", "1e+", "--1", "1.5e3", "4.9e-324", "1.7976931348623157e308");

    private Frame number(Random r) {
        String n = pick(r, NUMBERS);
        String where = pick(r, List.of("x", "y", "meta", "metaArray"));
        String text;
        switch (where) {
            case "x":
                text = "{\"type\":\"cursor\",\"room\":" + q(room) + ",\"x\":" + n + ",\"y\":0.5}";
                break;
            case "y":
                text = "{\"type\":\"cursor\",\"room\":" + q(room) + ",\"x\":0.5,\"y\":" + n + "}";
                break;
            case "meta":
                text = frame("meta", q(room), "{\"n\":" + n + "}");
                break;
            default:
                text = frame("join", q(room), "{\"ns\":[1," + n + ",3]}");
        }
        return new Frame("number/" + where, text);
    }

    private Frame deep(Random r) {
        int depth = pick(r, List.of(17, 33, 100, 1000, 5000));
        boolean arrays = r.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String inner = open.repeat(depth) + "1" + close.repeat(depth);
        String where = pick(r, List.of("root", "meta", "unclosed", "other"));
        String text;
        switch (where) {
            case "root":
                text = inner;
                break;
            case "meta":
                text = frame("meta", q(room), "{\"d\":" + inner + "}");
                break;
            case "unclosed":
                text = frame("meta", q(room), "{\"d\":" + open.repeat(depth));
                break;
            default:
                text = "{\"type\":\"ping\",\"d\":" + inner + "}";
        }
        return new Frame("deep/" + where + "/" + depth, clip(text));
    }

    private static final List<String> VALUES = List.of("1", "true", "null", "[]", "{}", "\"\"", "[\"r\"]",
            "{\"a\":1}", "-1.5", "\"x\"");

    private Frame wrongType(Random r) {
        String v = pick(r, VALUES);
        String where = pick(r, List.of("type", "room", "meta", "x", "root", "missing"));
        String text;
        switch (where) {
            case "type":
                text = "{\"type\":" + v + ",\"room\":" + q(room) + "}";
                break;
            case "room":
                text = frame(pick(r, List.of("join", "leave", "meta", "cursor")), v, "{}");
                break;
            case "meta":
                text = "{\"type\":\"" + pick(r, List.of("join", "meta")) + "\",\"room\":" + q(room) + ",\"meta\":" + v + "}";
                break;
            case "x":
                text = "{\"type\":\"cursor\",\"room\":" + q(room) + ",\"x\":" + v + ",\"y\":" + v + "}";
                break;
            case "root":
                text = pick(r, List.of("1", "\"join\"", "[]", "[{\"type\":\"ping\"}]", "null", "true"));
                break;
            default:
                text = pick(r, List.of("{}", "{\"type\":\"join\"}", "{\"type\":\"meta\",\"room\":" + q(room) + "}",
                        "{\"type\":\"cursor\",\"room\":" + q(room) + "}", "{\"room\":" + q(room) + "}"));
        }
        return new Frame("wrongType/" + where, text);
    }

    private Frame hugeString(Random r) {
        String where = pick(r, List.of("room", "metaValue", "metaKeys", "frame", "metaExact"));
        String text;
        switch (where) {
            case "room":
                text = frame("join", q("r".repeat(pick(r, List.of(201, 1000, 5000)))), "{}");
                break;
            case "metaValue":
                text = frame("meta", q(room), "{\"s\":" + q("é".repeat(pick(r, List.of(300, 600, 2000)))) + "}");
                break;
            case "metaKeys":
                StringBuilder sb = new StringBuilder("{");
                for (int i = 0; i < 400; i++) {
                    sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
                }
                text = frame("meta", q(room), sb.append('}').toString());
                break;
            case "metaExact":
                // as large as a meta may be: the server must take it and send it on
                text = frame("meta", q(room), "{\"s\":" + q("z".repeat(1024 - 8)) + "}");
                break;
            default:
                // over the frame limit: the server closes with 1009, and the attacker reconnects
                text = "{\"type\":\"ping\",\"pad\":" + q("p".repeat(maxFrameBytes + 10)) + "}";
        }
        return new Frame("huge/" + where, text);
    }

    private Frame unknownType(Random r) {
        String t = pick(r, List.of("dance", "__proto__", "constructor", "JOIN", "join ", "state", "error",
                "x".repeat(39) + "\uD83D\uDE00" + "tail", "\uD83D\uDE00".repeat(30), "t".repeat(5000),
                "\\u00e9t\\u00e9", "\\ud83d\\ude00".repeat(25)));
        return new Frame("unknownType", "{\"type\":\"" + t + "\",\"room\":" + q(room) + "}");
    }

    private Frame trailing(Random r) {
        String valid = pick(r, List.of("{\"type\":\"ping\"}", frame("meta", q(room), "{\"away\":true}")));
        String tail = pick(r, List.of(" x", "{}", "]", "}", ",", " {\"type\":\"ping\"}", "\"", " 1", " null"));
        return new Frame("trailing", valid + tail);
    }

    private Frame garbage(Random r) {
        String text = pick(r, List.of("", " ", "{", "}", "{\"type\":}", "{\"type\" \"ping\"}", "{'type':'ping'}",
                "{\"type\":\"ping\",}", "{\"type\":\"ping\"\"x\":1}", "\"\\ud800\"", "\"\\x41\"", "{\"a\":\"\\u12\"}",
                "{\"type\":\"join\",\"type\":\"meta\",\"room\":" + q(room) + ",\"meta\":{}}",
                frame("meta", q(room), "{\"a\":1,\"a\":\"\\ud800\"}")));
        if (r.nextInt(4) == 0) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0, n = 1 + r.nextInt(60); i < n; i++) {
                char c;
                do {
                    c = (char) r.nextInt(0x3000);
                } while (Character.isSurrogate(c));
                sb.append(c);
            }
            text = sb.toString();
        }
        return new Frame("garbage", text);
    }

    private Frame hostileButValid(Random r) {
        String text = pick(r, List.of(
                frame("join", q(room), "{\"id\":\"alice\",\"name\":\"Admin\",\"connections\":999,\"joinedAt\":0,\"away\":false}"),
                frame("join", q(room), "{\"html\":\"<script>alert(1)</script>\",\"__proto__\":{\"polluted\":true}}"),
                frame("meta", q(room), "{\"emoji\":\"\\ud83d\\ude00 \uD83C\uDF89\",\"rtl\":\"\u202Eevil\",\"zw\":\"a\u200Bb\"}"),
                frame("meta", q(room), "{\"nums\":[0,-0,1e300,-1e-300,4.9e-324],\"t\":true,\"f\":false,\"n\":null}"),
                frame("meta", q(room), "{\"\":\"empty key\",\"nl\":\"line\\nbreak\",\"tab\":\"a\\tb\"}"),
                "{\"type\":\"leave\",\"room\":" + q(room) + "}",
                frame("join", q(room), "{}"),
                frame("join", q("other-" + r.nextInt(40)), "{}"),
                "{\"type\":\"leave\",\"room\":" + q("other-" + r.nextInt(40)) + "}",
                "{\"type\":\"cursor\",\"room\":" + q(room) + ",\"x\":" + pick(r, List.of("1e6", "-1e6", "0", "0.5", "1e-300"))
                        + ",\"y\":" + pick(r, List.of("1000000", "-999999.999", "0.25")) + "}",
                "{\"type\":\"cursor\",\"room\":" + q(room) + ",\"x\":1000001,\"y\":0}",
                "{\"type\":\"ping\",\"type2\":\"ping\",\"extra\":{\"deep\":[1,2,3]}}",
                "{\"type\":\"meta\",\"room\":" + q(room) + ",\"meta\":null}",
                "{\"type\":\"join\",\"room\":" + q(room) + ",\"meta\":null}"));
        return new Frame("hostileButValid", text);
    }

    // --- helpers -----------------------------------------------------------------------------

    private static String frame(String type, String roomJson, String metaJson) {
        return "{\"type\":\"" + type + "\",\"room\":" + roomJson + ",\"meta\":" + metaJson + "}";
    }

    /** A JSON string literal of plain text (the generators only quote text without quotes or backslashes). */
    private static String q(String s) {
        return "\"" + s + "\"";
    }

    private String clip(String text) {
        return text.length() <= maxFrameBytes ? text : text.substring(0, maxFrameBytes);
    }

    private static <T> T pick(Random r, List<T> options) {
        return options.get(r.nextInt(options.size()));
    }
}
