package dev.onlinenow.example;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PlacesTest {

    @Test
    void thePagesLabelsInWords() {
        assertThat(Places.describe(Places.HOME)).isEqualTo("on the home page");
        assertThat(Places.describe(Places.WHO_IS_ONLINE)).isEqualTo("on who is online");
        assertThat(Places.describe(Places.boardPlace("roadmap"))).isEqualTo("on the board Roadmap");
        assertThat(Places.describe("board:team-standup")).as("a board of one's own, by its id").isEqualTo("on the board team-standup");
    }

    @Test
    void anyOtherPageByItsPathAndNothingWhenUnknown() {
        assertThat(Places.describe("/login")).isEqualTo("on /login");
        assertThat(Places.describe(null)).isEmpty();
        assertThat(Places.describe("")).isEmpty();
    }

    @Test
    void theWayBackFromTheHideToggleStaysOnTheSite() {
        assertThat(HideServlet.back("/who-is-online")).isEqualTo("/who-is-online");
        assertThat(HideServlet.back("/whiteboard?board=roadmap")).isEqualTo("/whiteboard?board=roadmap");
        assertThat(HideServlet.back("/whiteboard?board=Roadmap")).isEqualTo("/whiteboard?board=roadmap");
        assertThat(HideServlet.back("//evil.example/")).isEqualTo("/");
        assertThat(HideServlet.back("https://evil.example/")).isEqualTo("/");
        assertThat(HideServlet.back("/whiteboard?board=a/../b")).isEqualTo("/");
        assertThat(HideServlet.back(null)).isEqualTo("/");
    }
}
