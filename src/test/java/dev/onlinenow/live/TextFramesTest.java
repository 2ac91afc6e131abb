package dev.onlinenow.live;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TextFramesTest {

    private final List<String> messages = new ArrayList<>();
    private int tooBig;

    private TextFrames frames(int maxBytes) {
        return new TextFrames(maxBytes, messages::add, () -> tooBig++);
    }

    @Test
    void aMessageInOnePartIsHandedOnAsItIs() {
        TextFrames f = frames(100);
        String text = "{\"type\":\"ping\"}";
        f.onMessage(text, true);
        assertThat(messages).hasSize(1);
        assertThat(messages.get(0)).isSameAs(text);
        assertThat(tooBig).isZero();
    }

    @Test
    void aMessageSplitIntoPartsArrivesWhole() {
        TextFrames f = frames(100);
        f.onMessage("{\"type\":", false);
        f.onMessage("\"cursor\",\"x\":1,", false);
        assertThat(messages).isEmpty();
        f.onMessage("\"y\":2}", true);
        f.onMessage("{\"type\":\"ping\"}", true);
        assertThat(messages).containsExactly("{\"type\":\"cursor\",\"x\":1,\"y\":2}", "{\"type\":\"ping\"}");
    }

    @Test
    void exactlyTheLimitPassesAndOneByteMoreIsTooBig() {
        TextFrames f = frames(10);
        f.onMessage("12345", false);
        f.onMessage("67890", true);
        assertThat(messages).containsExactly("1234567890");
        f.onMessage("12345", false);
        f.onMessage("67890", false);
        assertThat(tooBig).isZero();
        f.onMessage("1", true);
        assertThat(tooBig).isEqualTo(1);
        assertThat(messages).containsExactly("1234567890");
    }

    @Test
    void aSinglePartOverTheLimitIsTooBig() {
        TextFrames f = frames(256);
        f.onMessage("x".repeat(100_000), true);
        assertThat(tooBig).isEqualTo(1);
        assertThat(messages).isEmpty();
    }

    @Test
    void afterTooBigNothingMoreIsHandedOnNorReportedAgain() {
        TextFrames f = frames(4);
        f.onMessage("12345", false);
        f.onMessage("6", true);
        f.onMessage("ok", true);
        assertThat(tooBig).isEqualTo(1);
        assertThat(messages).isEmpty();
    }

    @Test
    void theLimitIsInUtf8Bytes() {
        // é is 2 bytes, € 3, 😀 (a surrogate pair) 4: 9 bytes in 4 chars
        TextFrames f = frames(9);
        f.onMessage("é€😀", true);
        assertThat(messages).containsExactly("é€😀");
        TextFrames g = frames(8);
        g.onMessage("é€😀", true);
        assertThat(tooBig).isEqualTo(1);
    }

    @Test
    void aSurrogatePairSplitBetweenPartsCountsItsFourBytes() {
        String emoji = "😀";
        TextFrames f = frames(5);
        f.onMessage("a" + emoji.charAt(0), false);
        f.onMessage(emoji.charAt(1) + "", true);
        assertThat(messages).containsExactly("a" + emoji);
        TextFrames g = frames(4);
        g.onMessage("a" + emoji.charAt(0), false);
        g.onMessage(emoji.charAt(1) + "", true);
        assertThat(tooBig).isEqualTo(1);
    }

    @Test
    void utf8LengthStopsCountingPastTheBound() {
        assertThat(TextFrames.utf8Length("abc", 10)).isEqualTo(3);
        assertThat(TextFrames.utf8Length("x".repeat(1000), 10)).isEqualTo(11);
    }
}
