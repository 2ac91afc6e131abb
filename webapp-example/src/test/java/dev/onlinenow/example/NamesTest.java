package dev.onlinenow.example;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NamesTest {

    @Test
    void signInNamesAreTrimmedNormalisedAndCollapsed() {
        assertThat(Names.signInName("  Ada   Lovelace ")).isEqualTo("Ada Lovelace");
        assertThat(Names.signInName("Zoe\u0308")).as("NFC: e + combining diaeresis is ë").isEqualTo("Zoë");
        assertThat(Names.signInName("Bob O'Brien")).isEqualTo("Bob O'Brien");
        assertThat(Names.signInName("李小龍")).isEqualTo("李小龍");
        assertThat(Names.signInName("tab\there")).as("any white space becomes one space").isEqualTo("tab here");
        assertThat(Names.signInName("x".repeat(32))).hasSize(32);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "<script>", "a\u0000b", "-dash first", "a/b", "\u202Eevil"})
    void badSignInNamesAreRefusedWithAReason(String name) {
        assertThatThrownBy(() -> Names.signInName(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("(Type a name|Use letters|Names are at most).*");
    }

    @Test
    void tooLongNamesSayTheLimit() {
        assertThatThrownBy(() -> Names.signInName("x".repeat(33))).hasMessage("Names are at most 32 characters.");
        assertThatThrownBy(() -> Names.signInName(null)).hasMessage("Type a name to sign in.");
    }

    @Test
    void boardIdsAreLowerCaseSlugs() {
        assertThat(Names.boardId("Design")).isEqualTo("design");
        assertThat(Names.boardId(" team-standup_2 ")).isEqualTo("team-standup_2");
        assertThat(Names.boardIdOrNull("../etc")).isNull();
        assertThat(Names.boardIdOrNull(null)).isNull();
        assertThatThrownBy(() -> Names.boardId("a".repeat(41))).hasMessageContaining("1 to 40 characters");
        assertThatThrownBy(() -> Names.boardId("-x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Names.boardId("")).hasMessageContaining("Name a board");
    }
}
