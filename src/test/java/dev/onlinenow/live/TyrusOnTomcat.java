package dev.onlinenow.live;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.WebConnection;
import org.apache.catalina.Context;
import org.apache.tomcat.InstanceManager;
import org.apache.tomcat.SimpleInstanceManager;
import org.glassfish.tyrus.servlet.TyrusHttpUpgradeHandler;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import javax.naming.NamingException;

/**
 * Makes Tyrus's servlet container write on Tomcat. Test scaffolding only, nothing of it ships.
 *
 * <p>Why: Tyrus's {@code TyrusServletWriter} calls {@code ServletOutputStream.isReady()} on the
 * upgraded connection before it ever called {@code setWriteListener}; Tomcat (rightly, per the
 * Servlet spec) throws {@code IllegalStateException: It is illegal to call canWrite() when the
 * ServletOutputStream is not in non-blocking mode}, so every frame the server sends fails and the
 * socket closes. Containers built on Grizzly (GlassFish) tolerate it. This shim registers a
 * delegating write listener before Tyrus's first {@code isReady()}, then hands Tyrus's own
 * listener the container's callbacks, which is what Tyrus expects. In non-blocking mode Tomcat's
 * close does not wait for buffered bytes, so Tyrus's close right after queueing a close frame
 * would lose the frame (the client would see 1006); the shim closes once the bytes are out.
 */
final class TyrusOnTomcat {

    private TyrusOnTomcat() {
    }

    /** Installs the shim into a context before it starts. */
    static void install(Context ctx) {
        InstanceManager simple = new SimpleInstanceManager();
        ctx.setInstanceManager(new InstanceManager() {
            @Override
            public Object newInstance(Class<?> clazz) throws IllegalAccessException, InvocationTargetException,
                    NamingException, InstantiationException, IllegalArgumentException, NoSuchMethodException,
                    SecurityException {
                return clazz == TyrusHttpUpgradeHandler.class ? new ShimmedHandler() : simple.newInstance(clazz);
            }

            @Override
            public Object newInstance(String className) throws IllegalAccessException, InvocationTargetException,
                    NamingException, InstantiationException, ClassNotFoundException, IllegalArgumentException,
                    NoSuchMethodException, SecurityException {
                return simple.newInstance(className);
            }

            @Override
            public Object newInstance(String fqcn, ClassLoader classLoader) throws IllegalAccessException,
                    InvocationTargetException, NamingException, InstantiationException, ClassNotFoundException,
                    IllegalArgumentException, NoSuchMethodException, SecurityException {
                return simple.newInstance(fqcn, classLoader);
            }

            @Override
            public void newInstance(Object o) throws IllegalAccessException, InvocationTargetException,
                    NamingException {
                simple.newInstance(o);
            }

            @Override
            public void destroyInstance(Object o) throws IllegalAccessException, InvocationTargetException {
                simple.destroyInstance(o);
            }
        });
    }

    /** Tyrus's handler over a connection whose output stream is in non-blocking mode from the start. */
    public static final class ShimmedHandler extends TyrusHttpUpgradeHandler {
        @Override
        public void init(WebConnection wc) {
            super.init(new ShimmedConnection(wc));
        }
    }

    private static final class ShimmedConnection implements WebConnection {
        private final WebConnection wc;
        private ShimmedStream out;

        ShimmedConnection(WebConnection wc) {
            this.wc = wc;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            return wc.getInputStream();
        }

        @Override
        public synchronized ServletOutputStream getOutputStream() throws IOException {
            if (out == null) {
                out = new ShimmedStream(wc.getOutputStream());
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            ShimmedStream o;
            synchronized (this) {
                o = out;
            }
            if (o == null || o.closeWhenFlushed(wc)) {
                wc.close();
            }
        }
    }

    private static final class ShimmedStream extends ServletOutputStream {
        private final ServletOutputStream out;
        private WriteListener delegate;
        /* the container said "writable" before Tyrus set its listener: tell Tyrus when it does */
        private boolean missed;
        private boolean registered;
        private WebConnection closeLater;

        /** True if the connection may close now; else it closes when the pending bytes are written. */
        synchronized boolean closeWhenFlushed(WebConnection wc) {
            if (!registered || out.isReady()) {
                return true;
            }
            closeLater = wc;
            return false;
        }

        private void closeIfPending() {
            WebConnection wc;
            synchronized (this) {
                wc = closeLater;
                closeLater = null;
            }
            if (wc != null) {
                try {
                    wc.close();
                } catch (Exception ignored) {
                    // the client is gone already
                }
            }
        }

        ShimmedStream(ServletOutputStream out) {
            this.out = out;
        }

        private synchronized void register() {
            if (!registered) {
                registered = true;
                out.setWriteListener(new WriteListener() {
                    @Override
                    public void onWritePossible() throws IOException {
                        WriteListener d;
                        synchronized (ShimmedStream.this) {
                            d = delegate;
                            missed = d == null;
                        }
                        if (d != null) {
                            d.onWritePossible();
                        }
                        closeIfPending();
                    }

                    @Override
                    public void onError(Throwable t) {
                        WriteListener d;
                        synchronized (ShimmedStream.this) {
                            d = delegate;
                        }
                        if (d != null) {
                            d.onError(t);
                        }
                    }
                });
            }
        }

        @Override
        public boolean isReady() {
            register();
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener writeListener) {
            boolean fire;
            synchronized (this) {
                delegate = writeListener;
                fire = missed;
                missed = false;
            }
            register();
            if (fire) {
                try {
                    writeListener.onWritePossible();
                } catch (IOException e) {
                    writeListener.onError(e);
                }
            }
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
