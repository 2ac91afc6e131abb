package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The online frame's subscriptions and coalesced pushes, on a fake ticker; no container. */
class OnlineFeedTest {

    final MutableClock clock = new MutableClock();
    final OnlineNow online = OnlineNow.create(OnlineNowSettings.builder().clock(clock).ticker(clock.ticker())
            .maxMessagesPerSecond(5).build());
    final OnlineFeed feed = new OnlineFeed(online, Runnable::run);

    @AfterEach
    void close() {
        online.close();
    }

    /** A connection whose frames land in {@code sent}. */
    LiveConnection connection(String user, List<JsonObject> sent) {
        LiveConnection c = new LiveConnection("n/" + user, new Handshake(user, user, false, null, null, null), null,
                5, 5, clock.ticker().nanos());
        c.outbox = new Outbox((text, done) -> {
            try (JsonReader r = Json.createReader(new StringReader(text))) {
                sent.add(r.readObject());
            }
            done.accept(null);
        }, Runnable::run, 1000, Long.MAX_VALUE, () -> { }, e -> { });
        return c;
    }

    @Test
    void answersAtOnceThenAtMostOncePerSecondWithOneComputationForAllSubscribers() {
        online.touch("ann");
        List<List<JsonObject>> inboxes = new ArrayList<>();
        List<LiveConnection> subscribers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            List<JsonObject> sent = new CopyOnWriteArrayList<>();
            inboxes.add(sent);
            LiveConnection c = connection("u" + i, sent);
            subscribers.add(c);
            feed.subscribe(c);
            assertThat(sent).hasSize(1);
            assertThat(sent.get(0).getString("type")).isEqualTo("online");
        }
        assertThat(feed.subscribers()).isEqualTo(100);
        long computed = feed.computations();

        for (int i = 0; i < 50; i++) {
            online.touch("crowd" + i);
            feed.tick(); // the same second: nothing
        }
        assertThat(feed.computations()).isEqualTo(computed);
        inboxes.forEach(sent -> assertThat(sent).hasSize(1));

        clock.advance(Duration.ofSeconds(1));
        feed.tick();
        feed.tick();
        assertThat(feed.computations()).as("one computation for 100 subscribers").isEqualTo(computed + 1);
        for (List<JsonObject> sent : inboxes) {
            assertThat(sent).hasSize(2);
            assertThat(sent.get(1).getJsonNumber("count").longValue()).isEqualTo(51);
        }

        clock.advance(Duration.ofSeconds(1));
        feed.tick();
        inboxes.forEach(sent -> assertThat(sent).as("unchanged: not sent again").hasSize(2));

        subscribers.forEach(feed::unsubscribe);
        assertThat(feed.subscribers()).isZero();
        online.touch("late");
        clock.advance(Duration.ofSeconds(1));
        feed.tick();
        inboxes.forEach(sent -> assertThat(sent).hasSize(2));
    }

    @Test
    void subscribingAgainIsTheSameSubscriptionAnsweredAgain() {
        List<JsonObject> sent = new CopyOnWriteArrayList<>();
        LiveConnection c = connection("ann", sent);
        feed.subscribe(c);
        feed.subscribe(c);
        assertThat(sent).hasSize(2);
        assertThat(feed.subscribers()).isEqualTo(1);
    }

    @Test
    void aClosedConnectionIsNotSubscribed() {
        LiveConnection c = connection("ann", new CopyOnWriteArrayList<>());
        c.dropped.set(true);
        feed.subscribe(c);
        assertThat(feed.subscribers()).isZero();
    }

    @Test
    void theFrameHasEveryField() {
        online.touch("ann");
        List<JsonObject> sent = new CopyOnWriteArrayList<>();
        feed.subscribe(connection("bob", sent));
        JsonObject f = sent.get(0);
        assertThat(f.keySet()).containsExactly("type", "count", "guests", "robots", "users", "record");
        JsonObject ann = f.getJsonArray("users").getJsonObject(0);
        assertThat(ann.getString("id")).isEqualTo("ann");
        assertThat(ann.getString("name")).isEqualTo("ann");
        assertThat(ann.getJsonNumber("lastSeen").longValue()).isEqualTo(clock.millis());
        assertThat(f.getJsonObject("record").getJsonNumber("count").longValue()).isEqualTo(1);
        assertThat(f.getJsonObject("record").getJsonNumber("at").longValue()).isEqualTo(clock.millis());
    }
}
