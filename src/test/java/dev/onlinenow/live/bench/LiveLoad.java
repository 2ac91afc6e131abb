package dev.onlinenow.live.bench;

import dev.onlinenow.live.LivePresence;
import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.LiveServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load run of the live endpoint on this machine (not a test): an embedded Tomcat with its own
 * WebSocket implementation runs in a child JVM (so its heap can be measured alone), and this JVM
 * drives real JDK WebSocket clients against it.
 *
 * <ol>
 *   <li>presence: {@code ROOM} connections in one room, then probes join one at a time;
 *       join &rarr; delivery latency to every other member, and server heap per open connection;</li>
 *   <li>cursors: {@code MOVERS} clients in one room each moving at 20 Hz for a few seconds; move
 *       &rarr; delivery latency (measured on a sample of receivers), frames per second sent, and the
 *       frames a naive relay (every move to every peer) would have sent for the same moves.</li>
 * </ol>
 *
 * Run: {@code mvn -q -B test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.onlinenow.live.bench.LiveLoad} (optional {@code -Dexec.args="500 200 10"}:
 * room size, movers, seconds of moving).
 */
public final class LiveLoad {

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("server")) {
            server();
            return;
        }
        int room = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int movers = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        new LiveLoad().run(room, movers, seconds);
        System.exit(0);
    }

    // --- the server JVM ----------------------------------------------------------------------

    private static void server() throws Exception {
        PrintStream out = System.out;
        System.setOut(System.err); // keep stdout for the protocol with the driver
        LiveServer server = LiveServer.builder()
                .inProcess(b -> b.maxConnectionsPerUser(16), live -> live)
                .maxThreads(50)
                .start();
        LivePresence live = server.live();
        out.println("PORT " + server.port());
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            switch (line) {
                case "heap":
                    out.println("HEAP " + usedHeapAfterGc());
                    break;
                case "frames":
                    out.println("FRAMES " + live.framesSent());
                    break;
                case "cpu":
                    out.println("CPU " + cpuNanos());
                    break;
                case "count":
                    out.println("COUNT " + live.connections());
                    break;
                default:
                    server.close();
                    out.println("BYE");
                    out.flush();
                    System.exit(0);
            }
            out.flush();
        }
        System.exit(0);
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }

    // --- the driver JVM ----------------------------------------------------------------------

    private Process server;
    private BufferedReader serverOut;
    private PrintStream serverIn;
    private int port;
    private final HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "load-client");
        t.setDaemon(true);
        return t;
    })).build();
    private final long base = System.nanoTime();

    private void run(int roomSize, int movers, int seconds) throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Path log = Files.createTempFile("online-now-load-server", ".log");
        server = new ProcessBuilder(java, "-Xmx1g", "-Xlog:gc:stderr", "-cp", classPath(), LiveLoad.class.getName(), "server")
                .redirectError(log.toFile()).start();
        System.out.println("server JVM log: " + log);
        serverOut = new BufferedReader(new InputStreamReader(server.getInputStream()));
        serverIn = new PrintStream(server.getOutputStream(), true);
        port = Integer.parseInt(ask(null, "PORT "));
        try {
            System.out.printf(Locale.ROOT, "online-now live load, %d cores, java %s%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            presence(roomSize);
            cursors(movers, seconds);
        } finally {
            serverIn.println("quit");
            server.waitFor(20, TimeUnit.SECONDS);
            server.destroyForcibly();
        }
    }

    /** The class path of this run: exec:java loads the project in its own class loader. */
    private static String classPath() {
        ClassLoader cl = LiveLoad.class.getClassLoader();
        if (cl instanceof java.net.URLClassLoader) {
            StringBuilder sb = new StringBuilder();
            for (java.net.URL u : ((java.net.URLClassLoader) cl).getURLs()) {
                try {
                    sb.append(Paths.get(u.toURI())).append(java.io.File.pathSeparatorChar);
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalStateException(e);
                }
            }
            return sb.toString();
        }
        return System.getProperty("java.class.path");
    }

    private String ask(String command, String prefix) throws IOException {
        if (command != null) {
            serverIn.println(command);
        }
        for (String line; (line = serverOut.readLine()) != null; ) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        throw new IOException("the server JVM ended");
    }

    /** The server's open connections (for waits, which take no checked exceptions). */
    private long serverConnections() {
        try {
            return Long.parseLong(ask("count", "COUNT "));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One client socket; counts frames and reports join and cursor latencies. */
    final class Client implements WebSocket.Listener {
        final String user;
        WebSocket ws;
        final StringBuilder partial = new StringBuilder();
        volatile String waitingFor; // probe id whose join we time
        volatile long joinSentAt;
        volatile CountDownLatch joinArrived; // counted down when the probe's join reaches this client
        final ConcurrentLinkedQueue<Long> joinLatencies;
        final boolean measureCursors;
        final ConcurrentLinkedQueue<Double> cursorLatencies;
        final AtomicLong frames = new AtomicLong();
        final CountDownLatch state = new CountDownLatch(1);
        volatile CompletableFuture<WebSocket> lastSend = CompletableFuture.completedFuture(null);

        Client(String user, ConcurrentLinkedQueue<Long> joinLatencies, boolean measureCursors,
               ConcurrentLinkedQueue<Double> cursorLatencies) {
            this.user = user;
            this.joinLatencies = joinLatencies;
            this.measureCursors = measureCursors;
            this.cursorLatencies = cursorLatencies;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(Long.MAX_VALUE); // read as fast as frames come, like a browser
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (!measureCursors && cursorLatencies != null) {
                // a mover that is not sampled: count frames, read nothing
                if (last) {
                    frames.incrementAndGet();
                    state.countDown(); // the first frame after its join is its state
                }
                return null;
            }
            partial.append(data);
            if (last) {
                long now = System.nanoTime();
                String text = partial.toString();
                partial.setLength(0);
                frames.incrementAndGet();
                onFrame(text, now);
            }
            return null;
        }

        private void onFrame(String text, long now) {
            if (text.startsWith("{\"type\":\"state\"")) {
                state.countDown();
            } else if (text.startsWith("{\"type\":\"join\"")) {
                String probe = waitingFor;
                if (probe != null && text.contains("\"id\":\"" + probe + "\"")) {
                    joinLatencies.add(now - joinSentAt);
                    joinArrived.countDown();
                }
            } else if (measureCursors && text.startsWith("{\"type\":\"cursors\"")) {
                double nowMs = (now - base) / 1e6;
                int i = 0;
                while ((i = text.indexOf("\"x\":", i)) >= 0) {
                    int end = text.indexOf(',', i);
                    cursorLatencies.add(nowMs - Double.parseDouble(text.substring(i + 4, end)));
                    i = end;
                }
            }
        }

        void send(String text) {
            lastSend = ws.sendText(text, true);
        }
    }

    private Client open(String user, ConcurrentLinkedQueue<Long> joins, boolean measureCursors,
                        ConcurrentLinkedQueue<Double> cursors) throws Exception {
        String cookie = LiveServer.login(http, port, user);
        Client c = new Client(user, joins, measureCursors, cursors);
        c.ws = http.newWebSocketBuilder().header("Origin", LiveServer.origin(port)).header("Cookie", cookie)
                .connectTimeout(Duration.ofSeconds(30))
                .buildAsync(LiveServer.wsUri(port), c).get(30, TimeUnit.SECONDS);
        return c;
    }

    private void join(Client c, String room) throws InterruptedException {
        c.send("{\"type\":\"join\",\"room\":\"" + room + "\"}");
        if (!c.state.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(c.user + " got no state");
        }
    }

    private void presence(int roomSize) throws Exception {
        long heapBefore = Long.parseLong(ask("heap", "HEAP "));
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        List<Client> members = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < roomSize - 1; i++) {
            Client c = open("u" + i, latencies, false, null);
            join(c, "lobby");
            members.add(c);
        }
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        long heapAfter = Long.parseLong(ask("heap", "HEAP "));
        int probes = 20;
        for (int p = 0; p < probes; p++) {
            String probeId = "probe" + p;
            Client probe = open(probeId, latencies, false, null);
            CountDownLatch arrived = new CountDownLatch(members.size());
            for (Client m : members) {
                m.joinArrived = arrived;
                m.waitingFor = probeId;
            }
            long sent = System.nanoTime();
            for (Client m : members) {
                m.joinSentAt = sent;
            }
            probe.send("{\"type\":\"join\",\"room\":\"lobby\"}");
            if (!arrived.await(30, TimeUnit.SECONDS)) {
                System.out.printf("presence: %d of %d members never got probe %s's join%n",
                        arrived.getCount(), members.size(), probeId);
            }
            probe.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
            probe.ws.abort();
        }
        long[] ms = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "presence: %d connections in one room (built in %.1f s); %d probe joins, "
                        + "%d deliveries: join->delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                roomSize, buildSeconds, probes, ms.length, pct(ms, 50) / 1e6, pct(ms, 99) / 1e6,
                ms.length == 0 ? 0 : ms[ms.length - 1] / 1e6);
        System.out.printf(Locale.ROOT, "memory: server heap %.1f MB before, %.1f MB with %d open connections: "
                        + "%.1f KB per connection%n", heapBefore / 1e6, heapAfter / 1e6, roomSize - 1,
                (heapAfter - heapBefore) / 1024.0 / (roomSize - 1));
        for (Client m : members) {
            m.ws.abort();
        }
        Await.until("the server has let every connection of the presence run go", Duration.ofSeconds(30),
                () -> serverConnections() == 0);
    }

    private void cursors(int movers, int seconds) throws Exception {
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        List<Client> clients = new ArrayList<>();
        int sampled = Math.min(20, movers);
        for (int i = 0; i < movers; i++) {
            Client c = open("m" + i, new ConcurrentLinkedQueue<>(), i < sampled, latencies);
            join(c, "board");
            clients.add(c);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "load-mover");
            t.setDaemon(true);
            return t;
        });
        AtomicLong moves = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        long framesBefore = Long.parseLong(ask("frames", "FRAMES "));
        long serverCpuBefore = Long.parseLong(ask("cpu", "CPU "));
        long driverCpuBefore = cpuNanos();
        long clientFramesBefore = clients.stream().mapToLong(c -> c.frames.get()).sum();
        long start = System.nanoTime();
        // 20 Hz per client, spread over the 50 ms period in 10 slices
        var task = timer.scheduleAtFixedRate(new Runnable() {
            int slice;

            @Override
            public void run() {
                int s = slice++ % 10;
                for (int i = s; i < clients.size(); i += 10) {
                    Client c = clients.get(i);
                    if (!c.lastSend.isDone()) {
                        skipped.incrementAndGet();
                        continue;
                    }
                    double x = (System.nanoTime() - base) / 1e6;
                    c.send("{\"type\":\"cursor\",\"room\":\"board\",\"x\":" + x + ",\"y\":" + i + "}");
                    moves.incrementAndGet();
                }
            }
        }, 0, 5, TimeUnit.MILLISECONDS);
        Thread.sleep(seconds * 1000L);
        task.cancel(false);
        timer.shutdown();
        timer.awaitTermination(5, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long frames = Long.parseLong(ask("frames", "FRAMES ")) - framesBefore;
        double serverCpu = (Long.parseLong(ask("cpu", "CPU ")) - serverCpuBefore) / 1e9 / elapsed;
        double driverCpu = (cpuNanos() - driverCpuBefore) / 1e9 / elapsed;
        // the frames the server had sent by now reach the clients (their latencies are counted)
        Await.until("the clients have the " + frames + " frames the server sent", Duration.ofSeconds(30),
                () -> clients.stream().mapToLong(c -> c.frames.get()).sum() - clientFramesBefore >= frames);
        long clientFrames = clients.stream().mapToLong(c -> c.frames.get()).sum() - clientFramesBefore;
        long naive = moves.get() * (movers - 1);
        double[] ms = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "cursors: %d clients in one room moving at 20 Hz for %.1f s: %d moves "
                        + "(%d skipped: previous send not done)%n", movers, elapsed, moves.get(), skipped.get());
        System.out.printf(Locale.ROOT, "cursors: move->delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms "
                        + "(%d samples on %d receivers)%n", pctD(ms, 50), pctD(ms, 99),
                ms.length == 0 ? 0 : ms[ms.length - 1], ms.length, sampled);
        System.out.printf(Locale.ROOT, "cursors: server sent %d frames (%.0f/s; clients got %d); a naive relay "
                        + "would send %d (%.0f/s): %.1fx fewer frames%n", frames, frames / elapsed, clientFrames,
                naive, naive / elapsed, frames == 0 ? 0 : (double) naive / frames);
        System.out.printf(Locale.ROOT, "cursors: CPU used: server JVM %.2f cores, client JVM %.2f cores (of %d)%n",
                serverCpu, driverCpu, Runtime.getRuntime().availableProcessors());
        for (Client c : clients) {
            c.ws.abort();
        }
    }

    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double pctD(double[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    static String describe(long[] a) {
        return Arrays.toString(a);
    }
}
