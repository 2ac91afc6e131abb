package dev.onlinenow.live;

import dev.onlinenow.OnlineNow;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;

import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Turns on live presence and cursors with one line in web.xml:
 *
 * <pre>{@code
 * <listener><listener-class>dev.onlinenow.live.OnlineNowLive</listener-class></listener>
 * }</pre>
 *
 * It starts (or joins) the web app's {@link OnlineNow} from the web app's one configuration (the
 * {@link dev.onlinenow.OnlineNowFilter}'s init-params and the {@code online-now.*} context-params,
 * see {@link OnlineNow#getOrCreate}), starts a {@link LivePresence}, and registers the WebSocket endpoint at
 * {@code wsPath} (default {@code /online-now/ws}) with the container's Jakarta WebSocket
 * {@link ServerContainer}: Tomcat's, Jetty's or Tyrus's. A bad setting, or a container without
 * WebSocket support, fails the web app's start-up with a message saying what to fix.
 */
public class OnlineNowLive implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(OnlineNowLive.class.getName());

    private OnlineNow ownOnline;
    private LivePresence ownLive;

    @Override
    public void contextInitialized(ServletContextEvent sce) {
        ServletContext context = sce.getServletContext();
        try {
            OnlineNow online;
            LivePresence live;
            synchronized (context) {
                online = OnlineNow.get(context);
                if (online == null) {
                    online = OnlineNow.getOrCreate(context);
                    ownOnline = online;
                }
                live = LivePresence.get(context);
                if (live == null) {
                    live = LivePresence.builder(online).context(context).build();
                    LivePresence.install(context, live);
                    ownLive = live;
                }
            }
            Object sc = context.getAttribute(ServerContainer.class.getName());
            if (!(sc instanceof ServerContainer)) {
                boolean javax = ServerContainer.class.getName().startsWith("javax.");
                throw new IllegalStateException("online-now: the live endpoint needs a " + (javax ? "Java EE" : "Jakarta")
                        + " WebSocket server, and this web app has none (no " + ServerContainer.class.getName()
                        + " context attribute). Tomcat ships one (tomcat-websocket); on Jetty "
                        + (javax ? "9.4 enable the websocket module, on Jetty 10 websocket-javax" : "12 enable the ee10-websocket-jakarta module")
                        + "; with Tyrus add tyrus-container-servlet to WEB-INF/lib");
            }
            List<String> attributes = online.userIdSource().sessionAttributes();
            if (!attributes.isEmpty()) {
                try {
                    context.addListener(new IdentityListener(live, attributes));
                } catch (UnsupportedOperationException | IllegalStateException restricted) {
                    LOG.log(Level.INFO, "online-now: this container does not let the live layer watch the session "
                            + "attributes " + attributes + "; a sign-out that only removes them closes the user's "
                            + "sockets when their session ends");
                }
            }
            String path = live.settings().wsPath();
            ((ServerContainer) sc).addEndpoint(ServerEndpointConfig.Builder.create(LiveEndpoint.class, path)
                    .configurator(new LiveConfigurator(live)).build());
            LOG.log(Level.INFO, "online-now: live presence at " + context.getContextPath() + path);
        } catch (DeploymentException | RuntimeException e) {
            stop(context);
            String message = e.getMessage() != null && e.getMessage().startsWith("online-now:") ? e.getMessage()
                    : "online-now: cannot start the live endpoint: " + e;
            LOG.log(Level.ERROR, message);
            throw new IllegalStateException(message, e);
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent sce) {
        stop(sce.getServletContext());
    }

    private void stop(ServletContext context) {
        LivePresence live = ownLive;
        ownLive = null;
        if (live != null) {
            try {
                LivePresence.uninstall(context, live);
            } finally {
                live.close();
            }
        }
        OnlineNow online = ownOnline;
        ownOnline = null;
        if (online != null) {
            try {
                OnlineNow.uninstall(context, online);
            } finally {
                online.close();
            }
        }
    }
}
