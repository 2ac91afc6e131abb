package dev.onlinenow;

import dev.onlinenow.internal.LiveRooms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The EL functions find the live layer of the thread's web app, and answer empty without one. */
class OnlineNowFunctionsTest {

    final ClassLoader app = new ClassLoader(getClass().getClassLoader()) { };
    final ClassLoader other = new ClassLoader(getClass().getClassLoader()) { };
    final LiveRooms.View board = view(List.of("ann", "bob"));
    final LiveRooms.View otherApp = view(List.of("cid"));
    final ClassLoader before = Thread.currentThread().getContextClassLoader();

    static LiveRooms.View view(List<String> ids) {
        return new LiveRooms.View() {
            @Override
            public List<?> presences(String room) {
                return room.equals("board") ? ids : List.of();
            }

            @Override
            public int count(String room) {
                return presences(room).size();
            }
        };
    }

    @AfterEach
    void restore() {
        LiveRooms.unregister(app, board);
        LiveRooms.unregister(other, otherApp);
        Thread.currentThread().setContextClassLoader(before);
    }

    @Test
    void withoutTheLiveLayerRoomsAreEmpty() {
        assertThat(List.<Object>copyOf(OnlineNowFunctions.presences("board"))).isEmpty();
        assertThat(OnlineNowFunctions.presenceCount("board")).isZero();
    }

    @Test
    void eachWebAppReadsItsOwnLiveLayer() {
        LiveRooms.register(app, board);
        LiveRooms.register(other, otherApp);
        Thread.currentThread().setContextClassLoader(app);
        assertThat(List.<Object>copyOf(OnlineNowFunctions.presences("board"))).containsExactly("ann", "bob");
        assertThat(OnlineNowFunctions.presenceCount("board")).isEqualTo(2);
        assertThat(OnlineNowFunctions.presences(null)).isEmpty();
        assertThat(OnlineNowFunctions.presenceCount(null)).isZero();
        Thread.currentThread().setContextClassLoader(other);
        assertThat(List.<Object>copyOf(OnlineNowFunctions.presences("board"))).containsExactly("cid");
        LiveRooms.unregister(other, otherApp);
        assertThat(List.<Object>copyOf(OnlineNowFunctions.presences("board"))).as("one web app left: that one").containsExactly("ann", "bob");
    }
}
