import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpointConfig;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import jakarta.websocket.server.ServerContainer;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The floor of the live load (src/bench/live-browser.sh floor): Tomcat's own WebSocket with
 * almost nothing of ours. A join is answered with a bare state frame; in one shared room, the
 * latest cursor of each sender goes out every 50 ms as ONE frame with every entry (the sender's
 * own included), the same string to every member: the least work a coalescing relay can do.
 * Registered programmatically at the library's path with Tomcat's default configurator
 * (so permessage-deflate is negotiated whenever a client offers it).
 */
@WebListener
public class FloorEndpoint extends Endpoint implements ServletContextListener {

    static final Set<Session> MEMBERS = ConcurrentHashMap.newKeySet();
    static final Map<String, String> CURSORS = new ConcurrentHashMap<>();
    static ScheduledExecutorService tick;

    @Override
    public void contextInitialized(ServletContextEvent e) {
        ServerContainer sc = (ServerContainer) e.getServletContext().getAttribute(ServerContainer.class.getName());
        try {
            sc.addEndpoint(ServerEndpointConfig.Builder.create(FloorEndpoint.class, "/online-now/ws").build());
        } catch (jakarta.websocket.DeploymentException x) {
            throw new IllegalStateException(x);
        }
        tick = Executors.newSingleThreadScheduledExecutor();
        tick.scheduleAtFixedRate(FloorEndpoint::flush, 50, 50, TimeUnit.MILLISECONDS);
    }

    @Override
    public void contextDestroyed(ServletContextEvent e) {
        tick.shutdownNow();
    }

    static void flush() {
        if (CURSORS.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("{\"type\":\"cursors\",\"room\":\"floor\",\"cursors\":[");
        boolean first = true;
        for (String id : CURSORS.keySet()) {
            String c = CURSORS.remove(id);
            if (c != null) {
                sb.append(first ? "" : ",").append(c);
                first = false;
            }
        }
        String frame = sb.append("]}").toString();
        for (Session s : MEMBERS) {
            if (s.isOpen()) {
                s.getAsyncRemote().sendText(frame, r -> { });
            }
        }
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        String id = session.getId();
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
            if (text.startsWith("{\"type\":\"join\"")) {
                MEMBERS.add(session);
                session.getAsyncRemote().sendText("{\"type\":\"state\",\"room\":\"floor\",\"pingInterval\":30000}");
            } else if (text.startsWith("{\"type\":\"cursor\"")) {
                int x = text.indexOf("\"x\":");
                int end = text.lastIndexOf('}');
                CURSORS.put(id, "{\"id\":\"" + id + "\"," + text.substring(x, end) + "}");
            }
        });
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        MEMBERS.remove(session);
    }
}
