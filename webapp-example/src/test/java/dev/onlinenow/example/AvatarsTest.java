package dev.onlinenow.example;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AvatarsTest {

    /* Expected values are what online-now.js's OnlineNow.colorFor(id) returns for the same ids
     * (computed with the library's script under node): the list avatar and the cursor must match. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Ada Lovelace | #b62f20 | 6",
            "Grace Hopper | #7e1da5 | 283",
            "Zoë Ortiz    | #18861d | 123",
            "Bob O'Brien  | #408618 | 98",
            "x            | #188633 | 135",
            "design       | #2023b6 | 239",
            "😀 emoji     | #146412 | 118",
    })
    void colourIsTheClientScriptsColorFor(String id, String css, int hue) {
        assertThat(Avatars.color(id)).isEqualTo(css);
        assertThat(Avatars.hue(id)).isEqualTo(hue);
    }

    @Test
    void whiteTextOnEveryColourReadsAtFourAndAHalfToOne() {
        Random random = new Random(21);
        for (int i = 0; i < 100_000; i++) {
            String id = i % 2 == 0 ? "user" + i : randomId(random);
            int[] rgb = parse(Avatars.color(id));
            assertThat(Avatars.contrastWithWhite(rgb)).as(id + " " + Avatars.color(id))
                    .isGreaterThanOrEqualTo(Avatars.MIN_CONTRAST);
        }
    }

    @Test
    void everyDecisionOfTheRuleIsFarFromTheThresholdSoEveryEngineAgrees() {
        // the rule compares contrasts for every hue at lightness 50 down to its top; engines whose
        // Math.pow differs in the last bit could only disagree where a contrast is within a few
        // ulps of 4.5: none is within 1e-9
        for (int hue = 0; hue < 360; hue++) {
            for (int l = 0; l <= 50; l++) {
                double c = Avatars.contrastWithWhite(Avatars.rgb(hue, 0.7, l / 100.0));
                assertThat(Math.abs(c - Avatars.MIN_CONTRAST)).as("hue " + hue + ", lightness " + l + ": " + c)
                        .isGreaterThan(1e-9);
            }
        }
    }

    @Test
    void theColoursStillTellUsersApart() {
        Set<String> colours = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            colours.add(Avatars.color("user" + i));
        }
        assertThat(colours).as("distinct colours of 1,000 ids").hasSizeGreaterThan(500);
    }

    /** The same ids through online-now.js's own colorFor, run by node from the library jar. */
    @Test
    void javaAndTheClientScriptGiveEveryIdTheSameColour() throws Exception {
        boolean node;
        try {
            node = new ProcessBuilder("node", "--version").start().waitFor() == 0;
        } catch (IOException e) {
            node = false;
        }
        assumeTrue(node || System.getenv("CI") != null, "node is not installed: the browser client's side is not compared");
        Path dir = Files.createTempDirectory("colors");
        Path script = dir.resolve("online-now.js");
        try (InputStream in = Avatars.class.getClassLoader().getResourceAsStream("META-INF/resources/online-now/online-now.js")) {
            assertThat(in).as("online-now.js in the library jar").isNotNull();
            Files.copy(in, script);
        }
        Random random = new Random(2126);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(i % 4 == 0 ? "user" + i : randomId(random));
        }
        Path input = dir.resolve("ids.json");
        Files.writeString(input, "[" + ids.stream().map(AvatarsTest::json).collect(Collectors.joining(",")) + "]",
                StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("node", "-e",
                "const O = require(process.argv[1]);"
                        + "const ids = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));"
                        + "process.stdout.write(ids.map(O.colorFor).join('\\n'));",
                script.toString(), input.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        List<String> js = List.of(out.split("\n"));
        assertThat(js).hasSameSizeAs(ids);
        for (int i = 0; i < ids.size(); i++) {
            assertThat(Avatars.color(ids.get(i))).as("colour of " + json(ids.get(i))).isEqualTo(js.get(i));
        }
    }

    /** 1 to 12 code points from ASCII, Latin, Greek, CJK and emoji (no lone surrogates). */
    private static String randomId(Random random) {
        int[][] ranges = {{0x21, 0x7e}, {0xc0, 0x17f}, {0x391, 0x3c9}, {0x4e00, 0x4fff}, {0x1f600, 0x1f64f}};
        StringBuilder b = new StringBuilder();
        for (int n = 1 + random.nextInt(12); n > 0; n--) {
            int[] r = ranges[random.nextInt(ranges.length)];
            b.appendCodePoint(r[0] + random.nextInt(r[1] - r[0] + 1));
        }
        return b.toString();
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.chars().forEach(c -> b.append(String.format("\\u%04x", c)));
        return b.append('"').toString();
    }

    private static int[] parse(String hex) {
        assertThat(hex).matches("#[0-9a-f]{6}");
        return new int[] {Integer.parseInt(hex.substring(1, 3), 16), Integer.parseInt(hex.substring(3, 5), 16),
                Integer.parseInt(hex.substring(5, 7), 16)};
    }

    @Test
    void initialsOfFirstAndLastWord() {
        assertThat(Avatars.initials("Ada Lovelace")).isEqualTo("AL");
        assertThat(Avatars.initials("Grace Brewster Murray Hopper")).isEqualTo("GH");
        assertThat(Avatars.initials("cher")).isEqualTo("C");
        assertThat(Avatars.initials("jean-luc picard")).isEqualTo("JP");
        assertThat(Avatars.initials("  zoë   ortiz ")).isEqualTo("ZO");
        assertThat(Avatars.initials("Ωmega")).isEqualTo("Ω");
        assertThat(Avatars.initials("😀 emoji")).as("a surrogate pair stays whole").isEqualTo("😀E");
        assertThat(Avatars.initials("")).isEqualTo("?");
        assertThat(Avatars.initials(null)).isEqualTo("?");
    }
}
