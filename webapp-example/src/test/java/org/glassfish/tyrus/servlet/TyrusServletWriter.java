package org.glassfish.tyrus.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.glassfish.tyrus.spi.CompletionHandler;
import org.glassfish.tyrus.spi.Writer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The example launcher's replacement for Tyrus 2.2.0's servlet writer (same package and name, so
 * it comes first on the launcher's class path; it is never in the WAR).
 *
 * <p>Why: Tyrus's writer asks {@code ServletOutputStream.isReady()} before it ever sets a
 * {@link WriteListener}. Tomcat 10.1.50+ and 11 throw {@code IllegalStateException} ("It is
 * illegal to call canWrite() when the ServletOutputStream is not in non-blocking mode") for
 * that on an upgraded connection, so Tyrus in Tomcat accepts WebSockets but can send nothing.
 * This writer switches the stream to non-blocking mode first, and then follows the servlet
 * non-blocking contract: write or flush only after {@code isReady()} said true, and continue in
 * {@link #onWritePossible()} when it said false. Only the launcher needs it: the WAR in stock
 * Tomcat uses Tomcat's own WebSocket, in Jetty Jetty's, in GlassFish Tyrus on Grizzly.
 */
class TyrusServletWriter extends Writer implements WriteListener {

    private static final Logger LOG = Logger.getLogger(TyrusServletWriter.class.getName());

    private final TyrusHttpUpgradeHandler upgrade;
    private final Deque<Frame> frames = new ArrayDeque<>();
    private ServletOutputStream out;
    private boolean flushNeeded;
    private boolean closeRequested;
    private Throwable failure;

    private record Frame(ByteBuffer data, CompletionHandler<ByteBuffer> done) {
    }

    TyrusServletWriter(TyrusHttpUpgradeHandler upgrade) {
        this.upgrade = upgrade;
    }

    @Override
    public synchronized void write(ByteBuffer data, CompletionHandler<ByteBuffer> done) {
        if (failure != null) {
            failed(done, failure);
            return;
        }
        frames.add(new Frame(data, done));
        try {
            if (out == null) {
                out = upgrade.getWebConnection().getOutputStream();
                out.setWriteListener(this);
            }
            drain();
        } catch (IOException | RuntimeException e) {
            onError(e);
        }
    }

    @Override
    public synchronized void onWritePossible() {
        try {
            drain();
        } catch (IOException | RuntimeException e) {
            onError(e);
        }
    }

    /* Writes queued frames while the stream says it is ready; when it is not, the container
     * calls onWritePossible() later and we go on from there. */
    private void drain() throws IOException {
        while (out.isReady()) {
            if (flushNeeded) {
                flushNeeded = false;
                out.flush();
                continue;
            }
            Frame f = frames.poll();
            if (f == null) {
                if (closeRequested) {
                    closeConnection();
                }
                return;
            }
            ByteBuffer b = f.data();
            if (b.hasArray()) {
                out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                b.position(b.limit());
            } else {
                byte[] copy = new byte[b.remaining()];
                b.get(copy);
                out.write(copy);
            }
            flushNeeded = true;
            if (f.done() != null) {
                f.done().completed(f.data());
            }
        }
    }

    @Override
    public synchronized void onError(Throwable t) {
        LOG.log(Level.FINE, "WebSocket write failed", t);
        failure = t;
        Frame f;
        while ((f = frames.poll()) != null) {
            failed(f.done(), t);
        }
    }

    private static void failed(CompletionHandler<ByteBuffer> done, Throwable t) {
        if (done != null) {
            done.failed(t);
        }
    }

    /* Tyrus closes right after queueing the close frame: let it (and anything before it) go out first. */
    @Override
    public synchronized void close() {
        if (out == null || failure != null || (frames.isEmpty() && !flushNeeded)) {
            closeConnection();
        } else {
            closeRequested = true;
        }
    }

    private void closeConnection() {
        closeRequested = false;
        try {
            upgrade.getWebConnection().close();
        } catch (Exception e) {
            LOG.log(Level.FINE, "closing the upgraded connection failed", e);
        }
    }
}
