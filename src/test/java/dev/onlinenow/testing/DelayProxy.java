package dev.onlinenow.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback that delays every byte by half a round trip in each direction: a Redis
 * across a slow link, for tests. Bytes keep their order; the delay can change while it runs (a
 * chunk keeps the delay it was read with), and it can {@link #hold} everything: a Redis that
 * answers nothing for as long as a test needs, without a duration to guess. Closing it closes
 * every connection.
 */
public final class DelayProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new ArrayList<>();
    private volatile long halfRoundTripNanos;
    private volatile boolean closed;
    private final Object gate = new Object();
    private boolean held;

    /** Proxies to {@code host:port} with {@code roundTripMillis} added to every round trip. */
    public DelayProxy(String host, int port, long roundTripMillis) throws IOException {
        this.target = new InetSocketAddress(host, port);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        roundTrip(roundTripMillis);
        Thread accept = new Thread(this::accept, "delay-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Sets the added round trip, for what is read from now on. */
    public void roundTrip(long millis) {
        this.halfRoundTripNanos = millis * 1_000_000 / 2;
    }

    /** From now on nothing more is passed on in either direction, until {@link #release}. */
    public void hold() {
        synchronized (gate) {
            held = true;
        }
    }

    /** Passes on what was held, in order, and everything after it. */
    public void release() {
        synchronized (gate) {
            held = false;
            gate.notifyAll();
        }
    }

    private void awaitOpen() throws InterruptedException {
        synchronized (gate) {
            while (held && !closed) {
                gate.wait(100);
            }
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private record Chunk(long dueNanos, byte[] data) {
    }

    private static final Chunk END = new Chunk(0, new byte[0]);

    /** One reader and one writer thread per direction: the writer holds each chunk until it is due. */
    private void pipe(Socket from, Socket to) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    byte[] data = new byte[n];
                    System.arraycopy(buf, 0, data, 0, n);
                    queue.add(new Chunk(System.nanoTime() + halfRoundTripNanos, data));
                }
            } catch (IOException ignored) {
                // closed
            } finally {
                queue.add(END);
            }
        }, "delay-proxy-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk c = queue.take();
                    if (c == END) {
                        break;
                    }
                    long wait;
                    while ((wait = c.dueNanos() - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    awaitOpen();
                    out.write(c.data());
                    out.flush();
                }
            } catch (IOException | InterruptedException ignored) {
                // closed
            } finally {
                close(from);
                close(to);
            }
        }, "delay-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        synchronized (sockets) {
            sockets.forEach(DelayProxy::close);
        }
    }
}
