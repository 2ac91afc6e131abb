package dev.onlinenow;

import dev.onlinenow.OnlineNowSettings.Setting;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each key is written once in the code (an {@link OnlineNowSettings.Setting}); the docs must say the
 * same. The settings tables are the Markdown tables of README.md and docs/*.md whose header has a
 * {@code key} and a {@code default} column; docs/settings.md, which README.md links to as the
 * list of every setting, has every key exactly once.
 */
class OnlineNowSettingsReadmeTest {

    /** A settings table row: where it is, its key and its default cell. */
    record Row(String where, String key, String defaultCell) {
    }

    static List<Row> settingsRows(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Row> rows = new ArrayList<>();
        int keyColumn = -1;
        int defaultColumn = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (!line.startsWith("|")) {
                keyColumn = -1;
                continue;
            }
            List<String> cells = cells(line);
            if (keyColumn < 0) {
                // a header row: does this table have key and default columns?
                if (cells.contains("key") && cells.contains("default")) {
                    keyColumn = cells.indexOf("key");
                    defaultColumn = cells.indexOf("default");
                    i++; // the |---| line
                } else {
                    keyColumn = Integer.MAX_VALUE; // another kind of table: skip its rows
                }
                continue;
            }
            if (keyColumn == Integer.MAX_VALUE) {
                continue;
            }
            String key = cells.get(keyColumn);
            if (!key.matches("`[A-Za-z]+`")) {
                rows.add(new Row(file + " line " + (i + 1), key, cells.get(defaultColumn))); // not one key
                continue;
            }
            rows.add(new Row(file + " line " + (i + 1), key.substring(1, key.length() - 1), cells.get(defaultColumn)));
        }
        return rows;
    }

    /* The cells of a table row; a | inside `code` or escaped as \| does not split. */
    private static List<String> cells(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean code = false;
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '`') {
                code = !code;
            }
            if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (c == '|' && !code) {
                out.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        return out;
    }

    @Test
    void theSettingsPageListsExactlyTheKeysAndDefaultsOfTheCode() throws IOException {
        List<Row> rows = settingsRows(Path.of("docs", "settings.md"));
        Map<String, Row> byKey = new LinkedHashMap<>();
        for (Row r : rows) {
            Row twice = byKey.put(r.key(), r);
            assertThat(twice).as("`%s` is in two settings rows of docs/settings.md: %s and %s", r.key(), twice, r).isNull();
        }
        assertThat(byKey.keySet()).as("keys in docs/settings.md's settings tables")
                .containsExactlyInAnyOrderElementsOf(OnlineNowSettings.keys());
        for (Setting<?> s : OnlineNowSettings.settings()) {
            assertThat(byKey.get(s.name()).defaultCell()).as("default of `%s` in %s", s.name(), byKey.get(s.name()).where())
                    .isEqualTo(s.defaultDoc());
        }
    }

    /** README.md and other docs/ pages may repeat some settings (docs/redis.md does); what they repeat must be true too. */
    @Test
    void settingsRepeatedInDocsHaveTheDefaultsOfTheCode() throws IOException {
        List<Path> pages;
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            pages = Stream.concat(Stream.of(Path.of("README.md")), docs.filter(p -> p.toString().endsWith(".md")).sorted())
                    .toList();
        }
        int checked = 0;
        for (Path page : pages) {
            for (Row r : settingsRows(page)) {
                Setting<?> s = OnlineNowSettings.setting(r.key());
                if (s != null) {
                    assertThat(r.defaultCell()).as("default of `%s` in %s", r.key(), r.where()).isEqualTo(s.defaultDoc());
                    checked++;
                }
            }
        }
        assertThat(checked).as("settings rows found in docs/").isPositive();
    }

    @Test
    void everyLiteralDefaultParsesToTheDefault() {
        for (Setting<?> s : OnlineNowSettings.settings()) {
            assertThat(s.doc()).as("doc line of " + s.name()).isNotBlank();
            assertThat(s.allowed()).as("allowed values of " + s.name()).isNotBlank();
            if (s.defaultText() != null) {
                OnlineNowSettings parsed = OnlineNowSettings.parse(Map.of(s.name(), s.defaultText()));
                OnlineNowSettings defaults = OnlineNowSettings.defaults();
                assertThat(parsed.toString()).contains(s.name() + "=" + s.defaultText());
                assertThat(s.defaultValue()).as(s.name()).isNotNull();
                assertThat(parsed.source()).hasSize(1);
                assertThat(OnlineNowSettings.sameValue(s.name(), s.defaultText(), s.defaultText())).isTrue();
                assertThat(defaults.source()).isEmpty();
            }
        }
    }

    @Test
    void theBuilderChecksLikeTheParserAndSaysTheSame() {
        assertThatThrownBy(() -> OnlineNowSettings.builder().maxCount(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("online-now: bad value for 'maxCount': \"0\"; expected a whole number from 1 to 10000");
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("maxCount", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("online-now: bad value for 'maxCount': \"0\"; expected a whole number from 1 to 10000");
        assertThatThrownBy(() -> OnlineNowSettings.builder().cursorTick(java.time.Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'cursorTick'").hasMessageContaining("\"PT2S\"")
                .hasMessageContaining("from 10 ms to 1 s");
        assertThatThrownBy(() -> OnlineNowSettings.builder().resolver("not a class"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'resolver'").hasMessageContaining("fully qualified name");
        assertThatThrownBy(() -> OnlineNowSettings.builder().allowedOrigins(List.of("ftp://x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'allowedOrigins'");
        assertThatThrownBy(() -> OnlineNowSettings.builder().redisNamespace("a b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'redisNamespace'");
    }

    @Test
    void aSecretInABadValueStaysRedacted() {
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("redisUri", "http://user:s3cret@cache:6379")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'redisUri'")
                .hasMessageContaining("http://***@cache:6379")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> OnlineNowSettings.builder().redisUri(java.net.URI.create("http://user:s3cret@cache:6379")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'redisUri'")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void twoSpellingsOfOneValueAreOneValue() {
        assertThat(OnlineNowSettings.sameValue("threshold", "PT15M", "900")).isTrue();
        assertThat(OnlineNowSettings.sameValue("trackAnonymous", "TRUE", "true")).isTrue();
        assertThat(OnlineNowSettings.sameValue("maxCount", " 50", "50")).isTrue();
        assertThat(OnlineNowSettings.sameValue("store", "Redis", "redis")).isTrue();
        assertThat(OnlineNowSettings.sameValue("maxCount", "50", "51")).isFalse();
        assertThat(OnlineNowSettings.sameValue("threshold", "PT15M", "PT5M")).isFalse();
    }
}
