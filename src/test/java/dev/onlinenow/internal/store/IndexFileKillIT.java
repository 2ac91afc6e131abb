package dev.onlinenow.internal.store;

import dev.onlinenow.store.LastSeen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JVM killed (SIGKILL) while it saves the index leaves the last complete file, never a cut one:
 * the save writes a temporary file and renames it. The child saves over and over; the parent
 * kills it at different moments, then reads what is there.
 */
class IndexFileKillIT {

    static final int ENTRIES = 200_000;

    /** The child: saves ENTRIES (+ its round) entries again and again, saying "SAVED n" after each. */
    public static final class Saver {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]).resolve(IndexFile.NAME);
            int n = Integer.parseInt(args[1]);
            for (int round = 0; ; round++) {
                List<LastSeen> entries = new ArrayList<>(n + round);
                for (int i = n + round - 1; i >= 0; i--) { // newest first
                    entries.add(new LastSeen("user-" + i, 1_700_000_000_000L + i, i % 3 == 0 ? "/board/" + (i % 50) : null));
                }
                IndexFile.write(file, round, n + round, round, Map.of("users", entries));
                System.out.println("SAVED " + (n + round));
                System.out.flush();
            }
        }
    }

    @Test
    void aSaveKilledMidwayLeavesTheLastCompleteFile(@TempDir Path dir) throws Exception {
        long[] killAfterMillis = {0, 3, 17, 41, 97};
        for (long delay : killAfterMillis) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), Saver.class.getName(),
                    dir.toString(), Integer.toString(ENTRIES))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            java.util.concurrent.atomic.AtomicInteger lastSaved = new java.util.concurrent.atomic.AtomicInteger(-1);
            java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try {
                    for (String l = out.readLine(); l != null; l = out.readLine()) {
                        lastSaved.set(Integer.parseInt(l.substring("SAVED ".length())));
                        first.countDown();
                    }
                } catch (java.io.IOException closedWhenKilled) {
                    // the lines read so far are what counts
                }
            });
            reader.start();
            assertThat(first.await(60, TimeUnit.SECONDS)).as("the child saved once").isTrue();
            // then wait until it is writing its next one (a temporary file exists), and kill it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!tempFileIn(dir) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            if (delay > 0) {
                child.waitFor(delay, TimeUnit.MILLISECONDS);
            }
            int savedBeforeKill = lastSaved.get(); // every save it announced is complete on disk
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(TimeUnit.SECONDS.toMillis(30));

            IndexFile.Contents c = IndexFile.read(dir.resolve(IndexFile.NAME)); // never throws "cut short" or "damaged"
            List<LastSeen> users = c.sections().get("users");
            assertThat(users.size()).as("a whole save (killed after %d ms)", delay).isEqualTo(c.recordCount());
            assertThat(users.size()).isGreaterThanOrEqualTo(savedBeforeKill).isGreaterThanOrEqualTo(ENTRIES);
            assertThat(users.get(0).id()).as("oldest first").isEqualTo("user-0");
            assertThat(users.get(users.size() - 1).id()).isEqualTo("user-" + (users.size() - 1));

            IndexFile.deleteLeftovers(dir.resolve(IndexFile.NAME));
            assertThat(tempFileIn(dir)).as("leftovers cleaned").isFalse();
        }
    }

    private static boolean tempFileIn(Path dir) {
        try (var files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp"));
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
