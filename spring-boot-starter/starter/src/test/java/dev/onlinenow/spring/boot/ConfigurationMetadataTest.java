package dev.onlinenow.spring.boot;

import dev.onlinenow.OnlineNowSettings;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The IDE completion metadata of the library's keys
 * ({@code src/main/resources/META-INF/additional-spring-configuration-metadata.json}, merged by
 * spring-boot-configuration-processor into the jar's spring-configuration-metadata.json) is
 * generated from the library's own key list: a key the library adds or documents differently
 * fails this test until the file is written again with
 * {@code mvn -f spring-boot-starter/starter/pom.xml test -Dtest=ConfigurationMetadataTest -Dmetadata.write=true}.
 */
class ConfigurationMetadataTest {

    static final Path FILE = Path.of("src/main/resources/META-INF/additional-spring-configuration-metadata.json");

    static String expected() {
        StringBuilder json = new StringBuilder("{\n  \"properties\": [\n");
        boolean first = true;
        for (String key : OnlineNowSettings.keys()) {
            if (!first) {
                json.append(",\n");
            }
            first = false;
            String allowed = OnlineNowSettings.allowedValues(key);
            json.append("    {\n")
                    .append("      \"name\": \"").append(OnlineNowSettingsBinder.property(key)).append("\",\n")
                    .append("      \"type\": \"").append(type(key, allowed)).append("\",\n")
                    .append("      \"description\": \"").append(escape(description(key, allowed))).append("\",\n")
                    .append("      \"sourceType\": \"dev.onlinenow.OnlineNowSettings\"\n")
                    .append("    }");
        }
        return json.append("\n  ]\n}\n").toString();
    }

    static String type(String key, String allowed) {
        String a = allowed.toLowerCase(Locale.ROOT);
        if (OnlineNowSettingsBinder.isDuration(key)) {
            return "java.time.Duration";
        }
        if (a.startsWith("a whole number")) {
            return "java.lang.Integer";
        }
        if (a.equals("true or false")) {
            return "java.lang.Boolean";
        }
        return "java.lang.String";
    }

    static String description(String key, String allowed) {
        String text = "online-now setting '" + key + "' (web.xml init-param " + key + "): "
                + allowed + (allowed.endsWith(".") ? "" : ".");
        if (OnlineNowSettingsBinder.isDuration(key)) {
            text += " Boot's 5m or 500ms forms are accepted too; a bare number is seconds, as in web.xml.";
        }
        return text;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    @Test
    void everyKeyOfTheLibraryHasItsMetadata() throws Exception {
        String expected = expected();
        if (Boolean.getBoolean("metadata.write")) {
            Files.writeString(FILE, expected, StandardCharsets.UTF_8);
        }
        assertThat(FILE).as("run with -Dmetadata.write=true to write it").exists();
        assertThat(Files.readString(FILE, StandardCharsets.UTF_8))
                .as("the metadata of the library's keys (run with -Dmetadata.write=true to write it again)")
                .isEqualTo(expected);
    }

    @Test
    void theMetadataCoversEveryKeyAndTheStarterOwnsNoneOfThem() {
        String expected = expected();
        for (String key : OnlineNowSettings.keys()) {
            assertThat(expected).contains("\"name\": \"" + OnlineNowSettingsBinder.property(key) + "\"");
            assertThat(key.toLowerCase(Locale.ROOT)).isNotIn("enabled", "live", "filter");
        }
        assertThat(expected).contains("\"name\": \"online-now.max-count\"", "\"type\": \"java.time.Duration\"");
    }
}
