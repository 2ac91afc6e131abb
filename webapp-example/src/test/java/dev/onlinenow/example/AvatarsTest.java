package dev.onlinenow.example;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class AvatarsTest {

    /* Expected values are what online-now.js's OnlineNow.colorFor(id) returns for the same ids
     * (computed with the library's script under node): the list avatar and the cursor must match. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Ada Lovelace | hsl(6, 70%, 50%)",
            "Grace Hopper | hsl(283, 70%, 38%)",
            "Zoë Ortiz    | hsl(123, 70%, 38%)",
            "Bob O'Brien  | hsl(98, 70%, 38%)",
            "x            | hsl(135, 70%, 38%)",
            "design       | hsl(239, 70%, 50%)",
            "😀 emoji     | hsl(118, 70%, 50%)",
    })
    void colourIsTheClientScriptsColorFor(String id, String css) {
        assertThat(Avatars.color(id)).isEqualTo(css);
        assertThat(Avatars.hue(id)).isEqualTo(Integer.parseInt(css.substring(4, css.indexOf(','))));
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
