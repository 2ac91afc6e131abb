package dev.onlinenow;

import dev.onlinenow.internal.store.IndexFile;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** Nothing forgotten on a restart: the in-process index and the record saved in dataDir. */
class DataDirTest {

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock();
    private final List<String> warnings = new ArrayList<>();
    private final Logger log = Logger.getLogger(OnlineNow.class.getName());
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                synchronized (warnings) {
                    warnings.add(r.getMessage());
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final List<OnlineNow> opened = new ArrayList<>();

    @BeforeEach
    void listen() {
        log.addHandler(handler);
    }

    @AfterEach
    void close() {
        log.removeHandler(handler);
        opened.forEach(OnlineNow::close);
    }

    private OnlineNowSettings.Builder settings() {
        return OnlineNowSettings.builder().dataDir(dir.toString()).trackAnonymous(true)
                .hidden(UserIdSource.sessionAttribute("hide")).clock(clock).ticker(clock.ticker());
    }

    private OnlineNow start(OnlineNowSettings.Builder b) {
        OnlineNow o = OnlineNow.inProcess(b.build());
        opened.add(o);
        return o;
    }

    private OnlineNow start() {
        return start(settings());
    }

    private void stop(OnlineNow o) {
        o.close();
        opened.remove(o);
    }

    private OnlineNow aFullIndex() {
        OnlineNow o = start();
        o.touch("ann", false);
        o.locate("ann", "/board/roadmap");
        clock.advance(Duration.ofSeconds(10));
        o.touch("bob", true);
        o.locate("bob", "topic:42");
        o.touchGuest("guest:0123456789abcdef");
        o.touchRobot("Googlebot");
        o.noteCount(3);
        return o;
    }

    @Test
    void aRestartForgetsNobodyWithinTheThreshold() throws Exception {
        OnlineNow before = aFullIndex();
        Instant annSeen = clock.instant().minusSeconds(10);
        OnlineRecord record = before.record();
        stop(before);
        assertThat(dir.resolve(IndexFile.NAME)).exists();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left").containsExactly(IndexFile.NAME);
        }

        clock.advance(Duration.ofMinutes(5));
        OnlineNow after = start();
        assertThat(after.count()).isEqualTo(2);
        assertThat(after.lastSeen("ann")).contains(annSeen);
        assertThat(after.isOnline("bob")).as("still hidden").isFalse();
        assertThat(after.hiddenCount()).isEqualTo(1);
        assertThat(after.viewerCount("/board/roadmap")).isEqualTo(1);
        assertThat(after.viewerCount("topic:42")).isEqualTo(1);
        assertThat(after.onlineUsers()).extracting(OnlineUser::getLocation).containsExactly("/board/roadmap");
        assertThat(after.guestCount()).isEqualTo(1);
        assertThat(after.recentRobots(10)).containsExactly("Googlebot");
        assertThat(after.record()).isEqualTo(record);
        assertThat(dir.resolve(IndexFile.NAME)).as("read once").doesNotExist();
        // a hidden user who shows again after the restart leaves the hidden index
        after.touch("bob", false);
        assertThat(after.hiddenCount()).isZero();
        assertThat(after.count()).isEqualTo(2);
        assertThat(warnings).isEmpty();
    }

    @Test
    void whoExpiredWhileStoppedIsDroppedButTheRecordStays() {
        OnlineNow before = aFullIndex();
        stop(before);
        clock.advance(Duration.ofMinutes(15));
        OnlineNow after = start();
        assertThat(after.count()).isZero();
        assertThat(after.guestCount()).isZero();
        assertThat(after.robotCount()).isZero();
        assertThat(after.record().getCount()).isEqualTo(3);
    }

    @Test
    void aFirstStartIsAnEmptyStartWithoutAWarn() {
        OnlineNow o = start();
        assertThat(o.count()).isZero();
        assertThat(warnings).as("nothing was ever saved here: no trouble").isEmpty();
    }

    @Test
    void aRunThatEndedWithoutSavingIsAWarnAndAnEmptyStart() {
        OnlineNow killed = aFullIndex(); // started, and never stopped: as a killed JVM leaves it
        assertThat(killed.count()).isPositive();
        assertThat(dir.resolve(IndexFile.NAME)).doesNotExist();
        warnings.clear();
        OnlineNow o = start();
        assertThat(o.count()).isZero();
        assertThat(warnings).singleElement().asString().contains("empty index").contains("did not stop cleanly");
    }

    @Test
    void aRunKilledBeforeItsFirstStopInADataDirNotMadeYetIsAWarnToo() {
        // the directory is made at start, with the marker: the first save is not the first sign of this run
        java.nio.file.Path fresh = dir.resolve("not/made/yet");
        OnlineNow killed = start(settings().dataDir(fresh.toString()));
        killed.touch("ann", false);
        assertThat(warnings).isEmpty();
        OnlineNow o = start(settings().dataDir(fresh.toString()));
        assertThat(o.count()).isZero();
        assertThat(warnings).singleElement().asString().contains("empty index").contains("did not stop cleanly");
    }

    private byte[] savedBytes() throws Exception {
        stop(aFullIndex());
        return Files.readAllBytes(dir.resolve(IndexFile.NAME));
    }

    private void expectEmptyStartSaying(String why) {
        warnings.clear();
        OnlineNow o = start();
        assertThat(o.count()).isZero();
        assertThat(o.record().getCount()).isZero();
        assertThat(warnings).singleElement().asString().contains("empty index").contains(why);
    }

    @Test
    void aTruncatedFileIsAWarnAndAnEmptyStart() throws Exception {
        byte[] whole = savedBytes();
        for (int keep : new int[] {0, 10, whole.length / 2, whole.length - 1}) {
            Files.write(dir.resolve(IndexFile.NAME), java.util.Arrays.copyOf(whole, keep));
            expectEmptyStartSaying("cut short");
        }
    }

    @Test
    void aDamagedFileIsAWarnAndAnEmptyStart() throws Exception {
        byte[] bytes = savedBytes();
        bytes[bytes.length - 20] ^= 0x5a; // inside the last entry: only the checksum can tell
        Files.write(dir.resolve(IndexFile.NAME), bytes);
        expectEmptyStartSaying("damaged");
    }

    @Test
    void aForeignFileIsAWarnAndAnEmptyStart() throws Exception {
        Files.writeString(dir.resolve(IndexFile.NAME), "<html>not an index at all, but long enough to read a header</html>");
        expectEmptyStartSaying("not an online-now index");
    }

    @Test
    void aNewerFormatIsAWarnAndAnEmptyStart() throws Exception {
        byte[] bytes = savedBytes();
        ByteBuffer.wrap(bytes).putInt(16, 2); // the version, after the 16-byte magic
        Files.write(dir.resolve(IndexFile.NAME), bytes);
        expectEmptyStartSaying("newer online-now");
        assertThat(dir.resolve(IndexFile.NAME)).as("left for the newer version").exists();
    }

    @Test
    void aDirectoryThatCannotBeWrittenIsAWarnOnStop() throws Exception {
        Path notADir = dir.resolve("file");
        Files.writeString(notADir, "x");
        OnlineNow o = start(settings().dataDir(notADir.resolve("sub").toString()));
        o.touch("ann");
        warnings.clear();
        stop(o);
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("could not save the index"));
    }

    @Test
    void noneKeepsNothingAndTheDefaultIsTheContextsTempDir() {
        OnlineNow none = start(settings().dataDir("none"));
        assertThat(none.dataFile()).isNull();
        ServletContext context = mock(ServletContext.class);
        when(context.getAttribute(ServletContext.TEMPDIR)).thenReturn(new File(dir.toFile(), "work"));
        assertThat(OnlineNow.dataDir(OnlineNowSettings.defaults(), context)).isEqualTo(dir.resolve("work"));
        assertThat(OnlineNow.dataDir(OnlineNowSettings.defaults(), null)).isNull();
        assertThat(OnlineNow.dataDir(OnlineNowSettings.builder().dataDir("none").build(), context)).isNull();
    }
}
