package dev.onlinenow.live;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;

/**
 * The WebSocket endpoint of {@link OnlineNowLive}: thin on purpose, {@link LivePresence} does
 * the work. One instance per connection, made by the endpoint's configurator. Not an API: it is
 * public only because Tyrus invokes the endpoint's methods reflectively.
 */
public final class LiveEndpoint extends Endpoint {

    private static final System.Logger LOG = System.getLogger(LiveEndpoint.class.getName());

    private final LivePresence live;

    LiveEndpoint(LivePresence live) {
        this.live = live;
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        Object h = config.getUserProperties().get(Handshake.KEY);
        live.opened(session, h instanceof Handshake ? (Handshake) h : null);
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        live.closedByContainer(session, closeReason);
    }

    @Override
    public void onError(Session session, Throwable thr) {
        // the container closes the socket after this (1009 for a frame too big, 1006 for I/O)
        LOG.log(System.Logger.Level.DEBUG, () -> "online-now: WebSocket error on " + session.getId() + ": " + thr);
    }
}
