package dev.onlinenow.live;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FrameDecoderTest {

    final FrameDecoder decoder = new FrameDecoder(1024);

    FrameDecoder.Refusal refused(String text) {
        FrameDecoder.Result r = decoder.decode(text);
        assertThat(r).as(text).isInstanceOf(FrameDecoder.Refusal.class);
        return (FrameDecoder.Refusal) r;
    }

    FrameDecoder.Message accepted(String text) {
        FrameDecoder.Result r = decoder.decode(text);
        assertThat(r).as(text).isInstanceOf(FrameDecoder.Message.class);
        return (FrameDecoder.Message) r;
    }

    String code(String text) {
        return refused(text).code();
    }

    @Test
    void validFramesAreDecoded() {
        FrameDecoder.Message join = accepted("{\"type\":\"join\",\"room\":\"r\",\"meta\":{\"away\":false,\"s\":\"\\ud83d\\ude00\"}}");
        assertThat(join.type()).isEqualTo("join");
        assertThat(join.room()).isEqualTo("r");
        assertThat(join.metaJson()).isEqualTo("{\"away\":false,\"s\":\"\uD83D\uDE00\"}");
        assertThat(join.meta().getBoolean("away")).isFalse();
        assertThat(accepted("{\"type\":\"join\",\"room\":\"r\"}").meta()).isNull();
        assertThat(accepted("{\"type\":\"join\",\"room\":\"r\",\"meta\":null}").meta()).isNull();
        FrameDecoder.Message cursor = accepted("{\"type\":\"cursor\",\"room\":\"r\",\"x\":1e-3,\"y\":-1E+6}");
        assertThat(cursor.x()).isEqualTo(0.001);
        assertThat(cursor.y()).isEqualTo(-1e6);
        assertThat(accepted(" {\"type\":\"ping\"} \n").type()).isEqualTo("ping");
        assertThat(accepted("{\"type\":\"leave\",\"room\":\"r\"}").room()).isEqualTo("r");
        assertThat(accepted("{\"type\":\"meta\",\"room\":\"r\",\"meta\":{\"nl\":\"a\\nb\\tc\\r\"}}").meta().getString("nl"))
                .isEqualTo("a\nb\tc\r");
    }

    @Test
    void serverFieldsAreStrippedFromMeta() {
        FrameDecoder.Message m = accepted("{\"type\":\"meta\",\"room\":\"r\",\"meta\":{\"id\":\"x\",\"name\":\"Admin\","
                + "\"connections\":9,\"joinedAt\":0,\"color\":\"teal\"}}");
        assertThat(m.metaJson()).isEqualTo("{\"color\":\"teal\"}");
        assertThat(m.json().getJsonObject("meta")).isEqualTo(m.meta());
    }

    @Test
    void whateverDoesNotParseIsBadJson() {
        for (String text : new String[] {"", " ", "{", "{\"type\":}", "{'type':'ping'}", "{\"type\":\"ping\",}",
                "{\"type\":\"ping\"} x", "{\"type\":\"ping\"}{}", "{\"type\":\"ping\"}]", "{\"type\":\"ping\"} 1",
                "{\"type\":\"p\u0001ng\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\x41\"}", "NaN", "{\"x\":NaN}",
                "{\"type\":\"join\",\"type\":\"meta\"}", "{\"type\":\"ping\",\"m\":{\"a\":1,\"a\":2}}"}) {
            assertThat(code(text)).as(text).isEqualTo("bad_json");
        }
    }

    @Test
    void numbersAreBoundedBeforeTheParserSeesThem() {
        for (String n : new String[] {"1e-2147483648", "1e2147483647", "1E+2147483648", "-1E+999999999", "1e1000",
                "1" + "0".repeat(40), "0." + "0".repeat(400) + "1", "9e9999999999999999999"}) {
            String text = "{\"type\":\"cursor\",\"room\":\"f\",\"x\":" + n + ",\"y\":0}";
            assertThat(code(text)).as(n).isEqualTo("bad_json");
            assertThat(FrameDecoder.checkBounds(text)).as(n).isNotNull();
        }
        assertThat(code("{\"type\":\"cursor\",\"room\":\"f\",\"x\":1e400,\"y\":0}")).as("infinite").isEqualTo("bad_cursor");
        assertThat(code("{\"type\":\"cursor\",\"room\":\"f\",\"x\":4.9e-324,\"y\":-1.7976931348623157e308}"))
                .as("a double's extremes are numbers, refused as out of range").isEqualTo("bad_cursor");
        assertThat(FrameDecoder.checkBounds("{\"s\":\"1e-2147483648 [[[[[[[[[[[[[[[[[[[[\"}")).as("inside a string").isNull();
    }

    @Test
    void nestingIsBoundedBeforeTheParserSeesIt() {
        String ok = "{\"type\":\"ping\",\"d\":" + "[".repeat(Protocol.MAX_DEPTH - 1) + "]".repeat(Protocol.MAX_DEPTH - 1) + "}";
        assertThat(accepted(ok).type()).isEqualTo("ping");
        String deep = "{\"type\":\"ping\",\"d\":" + "[".repeat(Protocol.MAX_DEPTH) + "]".repeat(Protocol.MAX_DEPTH) + "}";
        assertThat(code(deep)).isEqualTo("bad_json");
        assertThat(code("[".repeat(100_000))).isEqualTo("bad_json");
        assertThat(code("{\"a\":".repeat(50_000))).isEqualTo("bad_json");
        assertThat(FrameDecoder.checkBounds("{\"a\":\"" + "[".repeat(100) + "\"}")).as("brackets in a string").isNull();
        assertThat(FrameDecoder.checkBounds("{\"a\":\"\\\"" + "{".repeat(100) + "\"}")).as("after an escaped quote").isNull();
    }

    @Test
    void aRootThatIsNotAnObjectAndWrongTypesAreBadMessages() {
        for (String text : new String[] {"1", "\"join\"", "[]", "[{\"type\":\"ping\"}]", "null", "true", "{}",
                "{\"type\":1}", "{\"type\":null}", "{\"type\":[\"ping\"]}", "{\"type\":\"join\"}",
                "{\"type\":\"join\",\"room\":1}", "{\"type\":\"join\",\"room\":\"\"}", "{\"type\":\"join\",\"room\":[\"r\"]}",
                "{\"type\":\"join\",\"room\":\"r\",\"meta\":[1]}", "{\"type\":\"join\",\"room\":\"r\",\"meta\":\"x\"}",
                "{\"type\":\"meta\",\"room\":\"r\"}", "{\"type\":\"meta\",\"room\":\"r\",\"meta\":null}",
                "{\"type\":\"join\",\"room\":\"" + "r".repeat(201) + "\"}"}) {
            assertThat(code(text)).as(text).isEqualTo("bad_message");
        }
        for (String text : new String[] {"{\"type\":\"cursor\",\"room\":\"r\",\"x\":\"1\",\"y\":0}",
                "{\"type\":\"cursor\",\"room\":\"r\",\"x\":1}", "{\"type\":\"cursor\",\"room\":\"r\",\"x\":1000001,\"y\":0}"}) {
            FrameDecoder.Refusal r = refused(text);
            assertThat(r.code()).as(text).isEqualTo("bad_cursor");
            assertThat(r.room()).isEqualTo("r");
        }
        assertThat(refused("{\"type\":\"meta\",\"room\":\"r\"}").room()).isEqualTo("r");
    }

    @Test
    void loneSurrogatesAreRefusedWherever() {
        for (String bad : new String[] {"\\ud800", "\\udfff", "\\ude00\\ud83d", "a\\ud83d", "\\ud83d\\u0041", "\\ud83d\\ud83d"}) {
            for (String text : new String[] {
                    "{\"type\":\"join\",\"room\":\"" + bad + "\"}",
                    "{\"type\":\"meta\",\"room\":\"r\",\"meta\":{\"" + bad + "\":1}}",
                    "{\"type\":\"meta\",\"room\":\"r\",\"meta\":{\"a\":[1,{\"b\":[\"" + bad + "\"]}]}}",
                    "{\"type\":\"ping\",\"note\":\"" + bad + "\"}",
                    "{\"type\":\"" + bad + "\"}"}) {
                FrameDecoder.Refusal r = refused(text);
                assertThat(r.code()).as(text).isEqualTo("bad_message");
                assertThat(FrameDecoder.validUnicode(r.frame())).as(text).isTrue();
            }
        }
    }

    @Test
    void controlCharactersAreRefusedWhereTheProtocolForbidsThem() {
        for (String c : new String[] {"\\u0000", "\\u0007", "\\u001f", "\\u007f", "\\u0085", "\\u009f", "\\n", "\\t"}) {
            assertThat(code("{\"type\":\"join\",\"room\":\"a" + c + "b\"}")).as("room " + c).isEqualTo("bad_message");
            assertThat(code("{\"type\":\"meta\",\"room\":\"r\",\"meta\":{\"k" + c + "\":1}}")).as("key " + c)
                    .isEqualTo("bad_message");
        }
        for (String c : new String[] {"\\u0000", "\\u0007", "\\u001b", "\\u007f", "\\u0085", "\\b", "\\f"}) {
            assertThat(code("{\"type\":\"meta\",\"room\":\"r\",\"meta\":{\"s\":[\"v" + c + "w\"]}}")).as("value " + c)
                    .isEqualTo("bad_message");
        }
        assertThat(accepted("{\"type\":\"meta\",\"room\":\"r\",\"meta\":{\"s\":\"\u202Eevil a\u200Bb \uFFFF\"}}").type())
                .as("format characters and noncharacters are valid Unicode").isEqualTo("meta");
        assertThat(accepted("{\"type\":\"ping\",\"note\":\"\\u0000\"}").type()).as("members nobody sees on").isEqualTo("ping");
    }

    @Test
    void metaIsLimitedAsUtf8Json() {
        String exact = "{\"s\":\"" + "z".repeat(1024 - 8) + "\"}";
        assertThat(accepted("{\"type\":\"meta\",\"room\":\"r\",\"meta\":" + exact + "}").metaJson()).hasSize(1024);
        String over = "{\"s\":\"" + "é".repeat(510) + "\"}"; // 1028 bytes as UTF-8
        FrameDecoder.Refusal r = refused("{\"type\":\"meta\",\"room\":\"r\",\"meta\":" + over + "}");
        assertThat(r.code()).isEqualTo("meta_too_large");
        assertThat(FrameDecoder.utf8Length("é\uD83D\uDE00a")).isEqualTo(2 + 4 + 1);
    }

    @Test
    void unknownTypesAreEchoedWithoutCuttingACharacterInTwo() {
        FrameDecoder.Refusal r = refused("{\"type\":\"" + "x".repeat(39) + "\uD83D\uDE00tail\"}");
        assertThat(r.code()).isEqualTo("unknown_type");
        assertThat(r.ref()).isEqualTo("x".repeat(39) + "...");
        assertThat(FrameDecoder.validUnicode(r.frame())).isTrue();
        assertThat(refused("{\"type\":\"dance\"}").ref()).isEqualTo("dance");
    }

    @Test
    void neverThrows() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = random.nextInt(40); j > 0; j--) {
                String alphabet = "{}[]\":,01e-+.\\tuad8 xnl";
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            FrameDecoder.Result result = decoder.decode(sb.toString());
            assertThat(result).isNotNull();
        }
        assertThat(decoder.decode(null)).isInstanceOf(FrameDecoder.Refusal.class);
    }

    @Test
    void refusalFramesAreErrors() {
        assertThat(Protocol.PROVIDER.createReader(new java.io.StringReader(refused("{").frame())).readObject())
                .containsAllEntriesOf(Map.of("type", Protocol.PROVIDER.createValue("error"),
                        "code", Protocol.PROVIDER.createValue("bad_json")));
    }
}
