package dev.onlinenow.live;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class OutboxTest {

    /** A sender whose sends complete when the test says so. */
    static final class ManualSender implements Outbox.Sender {
        final List<String> sent = new ArrayList<>();
        final ConcurrentLinkedQueue<Consumer<Throwable>> pending = new ConcurrentLinkedQueue<>();
        final AtomicInteger inFlight = new AtomicInteger();
        volatile int maxInFlight;

        @Override
        public synchronized void send(String text, Consumer<Throwable> done) {
            int n = inFlight.incrementAndGet();
            maxInFlight = Math.max(maxInFlight, n);
            sent.add(text);
            pending.add(failure -> {
                inFlight.decrementAndGet();
                done.accept(failure);
            });
        }

        void completeOne() {
            pending.poll().accept(null);
        }
    }

    final AtomicInteger overflows = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    @Test
    void sendsOneAtATimeInOrder() {
        ManualSender s = new ManualSender();
        Outbox o = new Outbox(s, Runnable::run, 10, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
        o.offer("a");
        o.offer("b");
        o.offer("c");
        assertThat(s.sent).containsExactly("a");
        s.completeOne();
        assertThat(s.sent).containsExactly("a", "b");
        s.completeOne();
        s.completeOne();
        assertThat(s.sent).containsExactly("a", "b", "c");
        assertThat(s.maxInFlight).isEqualTo(1);
        o.offer("d");
        assertThat(s.sent).containsExactly("a", "b", "c", "d");
    }

    @Test
    void inlineCompletionLoopsInsteadOfRecursing() {
        List<String> sent = new ArrayList<>();
        AtomicInteger depth = new AtomicInteger();
        AtomicInteger maxDepth = new AtomicInteger();
        Outbox[] box = new Outbox[1];
        Outbox.Sender inline = (text, done) -> {
            int d = depth.incrementAndGet();
            maxDepth.accumulateAndGet(d, Math::max);
            sent.add(text);
            if (text.equals("0")) {
                for (int i = 1; i < 50_000; i++) {
                    box[0].offer(String.valueOf(i)); // queued while "0" is in flight
                }
            }
            done.accept(null);
            depth.decrementAndGet();
        };
        box[0] = new Outbox(inline, Runnable::run, 100_000, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
        box[0].offer("0");
        assertThat(sent).hasSize(50_000);
        assertThat(sent.get(49_999)).isEqualTo("49999");
        assertThat(maxDepth.get()).isEqualTo(1);
    }

    @Test
    void aFullQueueClosesAndReportsOnce() {
        ManualSender s = new ManualSender();
        Outbox o = new Outbox(s, Runnable::run, 3, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
        assertThat(o.offer("in flight")).isTrue();
        assertThat(o.offer("1")).isTrue();
        assertThat(o.offer("2")).isTrue();
        assertThat(o.offer("3")).isTrue();
        assertThat(o.offer("4")).isFalse();
        assertThat(overflows.get()).isEqualTo(1);
        assertThat(o.isClosed()).isTrue();
        assertThat(o.offer("5")).isFalse();
        assertThat(overflows.get()).isEqualTo(1);
        s.completeOne();
        assertThat(s.sent).as("nothing more goes out after the overflow").containsExactly("in flight");
    }

    @Test
    void aFailedSendClosesAndReportsTheFailure() {
        ManualSender s = new ManualSender();
        Outbox o = new Outbox(s, Runnable::run, 10, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
        o.offer("a");
        o.offer("b");
        IllegalStateException boom = new IllegalStateException("boom");
        s.pending.poll().accept(boom);
        assertThat(failure.get()).isSameAs(boom);
        assertThat(o.isClosed()).isTrue();
        assertThat(s.sent).containsExactly("a");
        assertThat(o.offer("c")).isFalse();
    }

    @Test
    void aThrowingSenderClosesTheOutbox() {
        Outbox o = new Outbox((t, d) -> {
            throw new IllegalStateException("socket closed");
        }, Runnable::run, 10, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
        o.offer("a");
        assertThat(failure.get()).hasMessage("socket closed");
        assertThat(o.offer("b")).isFalse();
    }

    @Test
    void concurrentOffersAreAllSentOneAtATime() throws Exception {
        java.util.concurrent.ExecutorService completer = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.ExecutorService pumps = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            concurrentOffers(completer, Runnable::run);
            concurrentOffers(completer, pumps);
        } finally {
            completer.shutdownNow();
            pumps.shutdownNow();
        }
    }

    private void concurrentOffers(java.util.concurrent.Executor completer, java.util.concurrent.Executor pumpOn)
            throws Exception {
        for (int round = 0; round < 200; round++) {
            AtomicInteger inFlight = new AtomicInteger();
            AtomicBoolean overlap = new AtomicBoolean();
            ConcurrentLinkedQueue<String> sent = new ConcurrentLinkedQueue<>();
            // completes on another thread half of the time, inline otherwise
            Outbox.Sender sender = (text, done) -> {
                if (inFlight.incrementAndGet() > 1) {
                    overlap.set(true);
                }
                sent.add(text);
                Runnable complete = () -> {
                    inFlight.decrementAndGet();
                    done.accept(null);
                };
                if (text.hashCode() % 2 == 0) {
                    complete.run();
                } else {
                    completer.execute(complete);
                }
            };
            Outbox o = new Outbox(sender, pumpOn, 10_000, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
            int threads = 4;
            int each = 100;
            CountDownLatch go = new CountDownLatch(1);
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int tt = t;
                ts[t] = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < each; i++) {
                        o.offer(tt + ":" + i);
                    }
                });
                ts[t].start();
            }
            go.countDown();
            for (Thread t : ts) {
                t.join();
            }
            long end = System.nanoTime() + 10_000_000_000L;
            while (sent.size() < threads * each && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            assertThat(sent).hasSize(threads * each);
            assertThat(overlap.get()).as("never two sends in flight").isFalse();
            assertThat(overflows.get()).isZero();
            assertThat(failure.get()).isNull();
        }
    }
    @Test
    void theQueueIsBoundedInCharactersToo() {
        ManualSender s = new ManualSender();
        Outbox o = new Outbox(s, Runnable::run, 1000, 100, overflows::incrementAndGet, failure::set);
        assertThat(o.offer("x".repeat(500))).as("in flight: not queued").isTrue();
        assertThat(o.offer("y".repeat(300))).as("a frame always fits into an empty queue").isTrue();
        assertThat(o.queuedChars()).isEqualTo(300);
        s.completeOne();
        assertThat(o.queuedChars()).as("sent, no longer counted").isZero();
        assertThat(o.offer("a".repeat(60))).isTrue();
        assertThat(o.offer("b".repeat(40))).isTrue();
        assertThat(o.queuedChars()).isEqualTo(100);
        assertThat(overflows.get()).isZero();
        assertThat(o.offer("c")).as("one character too many").isFalse();
        assertThat(overflows.get()).isEqualTo(1);
        assertThat(o.isClosed()).isTrue();
    }

    @Test
    void whateverTheContainerThrowsClosesThisOutboxOnly() {
        List<Throwable> thrown = List.of(new IllegalArgumentException("malformed text"), new Error("Tyrus wraps it"),
                new StackOverflowError(), new AssertionError("a container's assert"));
        for (Throwable t : thrown) {
            failure.set(null);
            AtomicInteger calls = new AtomicInteger();
            Outbox o = new Outbox((text, done) -> {
                calls.incrementAndGet();
                if (t instanceof RuntimeException) {
                    throw (RuntimeException) t;
                }
                throw (Error) t;
            }, Runnable::run, 10, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
            o.offer("a");
            assertThat(failure.get()).as(t.toString()).isSameAs(t);
            assertThat(o.isClosed()).isTrue();
            assertThat(o.offer("b")).isFalse();
            assertThat(calls.get()).as("nothing more is tried").isEqualTo(1);
        }
        // and the next socket's outbox works as ever
        ManualSender s = new ManualSender();
        failure.set(null);
        Outbox next = new Outbox(s, Runnable::run, 10, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
        next.offer("ok");
        s.completeOne();
        assertThat(s.sent).containsExactly("ok");
        assertThat(failure.get()).isNull();
    }

    @Test
    void aFailureOnAnotherThreadIsReportedAndNothingIsLeftBusy() throws Exception {
        java.util.concurrent.ExecutorService container = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            CountDownLatch failed = new CountDownLatch(1);
            AtomicInteger sends = new AtomicInteger();
            Outbox o = new Outbox((text, done) -> {
                sends.incrementAndGet();
                container.execute(() -> done.accept(new java.io.IOException("broken pipe")));
            }, Runnable::run, 10, Long.MAX_VALUE, overflows::incrementAndGet, f -> {
                failure.set(f);
                failed.countDown();
            });
            o.offer("a");
            o.offer("b");
            assertThat(failed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(failure.get()).hasMessage("broken pipe");
            assertThat(o.isClosed()).isTrue();
            assertThat(o.offer("c")).isFalse();
            assertThat(sends.get()).isEqualTo(1);
        } finally {
            container.shutdownNow();
        }
    }

    @Test
    void aCompletionReportedTwiceIsCountedOnce() {
        ManualSender s = new ManualSender();
        List<Consumer<Throwable>> raw = new ArrayList<>();
        Outbox.Sender twice = (text, done) -> {
            raw.add(done);
            s.send(text, done);
        };
        Outbox o = new Outbox(twice, Runnable::run, 10, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
        o.offer("a");
        o.offer("b");
        o.offer("c");
        raw.get(0).accept(null);
        raw.get(0).accept(null); // a container that calls back twice must not start two sends
        assertThat(s.sent).containsExactly("a", "b");
        raw.get(1).accept(null);
        assertThat(s.sent).containsExactly("a", "b", "c");
        assertThat(failure.get()).isNull();
    }

    @Test
    void aFailingHandlerOfTheLiveLayerDoesNotBreakTheOutbox() {
        Outbox o = new Outbox((t, d) -> d.accept(new java.io.IOException("gone")), Runnable::run, 10, Long.MAX_VALUE,
                () -> {
                    throw new IllegalStateException("overflow handler bug");
                }, f -> {
                    throw new IllegalStateException("failure handler bug");
                });
        o.offer("a");
        assertThat(o.isClosed()).isTrue();
        assertThat(o.offer("b")).isFalse();
    }

    @Test
    void theSocketSenderReportsTheContainersFailures() {
        jakarta.websocket.RemoteEndpoint.Async remote = org.mockito.Mockito.mock(jakarta.websocket.RemoteEndpoint.Async.class);
        java.io.IOException reset = new java.io.IOException("connection reset");
        org.mockito.Mockito.doAnswer(inv -> {
            ((jakarta.websocket.SendHandler) inv.getArgument(1)).onResult(new jakarta.websocket.SendResult(reset));
            return null;
        }).when(remote).sendText(org.mockito.ArgumentMatchers.eq("a"), org.mockito.ArgumentMatchers.any());
        Outbox o = new Outbox(Outbox.sender(remote), Runnable::run, 10, Long.MAX_VALUE, overflows::incrementAndGet,
                failure::set);
        o.offer("a");
        assertThat(failure.get()).isSameAs(reset);
        assertThat(o.isClosed()).isTrue();

        Error wrapped = new Error(new IllegalArgumentException("unpaired surrogate"));
        org.mockito.Mockito.doThrow(wrapped).when(remote).sendText(org.mockito.ArgumentMatchers.eq("b"),
                org.mockito.ArgumentMatchers.any());
        failure.set(null);
        Outbox p = new Outbox(Outbox.sender(remote), Runnable::run, 10, Long.MAX_VALUE, overflows::incrementAndGet,
                failure::set);
        p.offer("b");
        assertThat(failure.get()).isSameAs(wrapped);
        assertThat(p.isClosed()).isTrue();
    }
}
