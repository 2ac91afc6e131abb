package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings;
import jakarta.servlet.http.HttpSession;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * Does the handshake checks and makes endpoint instances. It overrides every method it relies
 * on instead of delegating to the container's default configurator, because that default is
 * found through a ServiceLoader and, with two WebSocket implementations on one class path (as in
 * our tests), may belong to the other one.
 *
 * <p>The origin is checked in {@link #modifyHandshake} rather than {@link #checkOrigin}, since
 * the default rule (same origin as the request's Host) needs the Host header; a refused handshake
 * is completed and then closed with 1008 and a reason at open, which browsers and other clients
 * all observe the same way.
 */
final class LiveConfigurator extends ServerEndpointConfig.Configurator {

    static final String PERMESSAGE_DEFLATE = "permessage-deflate";

    private final LivePresence live;

    LiveConfigurator(LivePresence live) {
        this.live = live;
    }

    @Override
    public <T> T getEndpointInstance(Class<T> endpointClass) {
        return endpointClass.cast(new LiveEndpoint(live));
    }

    @Override
    public boolean checkOrigin(String originHeaderValue) {
        return true;
    }

    @Override
    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
        Object http = request.getHttpSession();
        Handshake h = live.handshake(request.getHeaders(), OriginPolicy.requestScheme(request),
                request.getUserPrincipal(), http instanceof HttpSession ? (HttpSession) http : null);
        if (h.refusal() == null) {
            // who may see hidden users in the online frame: the seeHidden roles of the handshake
            // request, asked once here (the request is gone after the handshake)
            try {
                for (String role : live.settings().seeHidden()) {
                    if (request.isUserInRole(role)) {
                        h.seesHidden(true);
                        break;
                    }
                }
            } catch (RuntimeException e) {
                // a container that cannot answer: the connection sees what everyone sees
                System.getLogger(LiveConfigurator.class.getName()).log(System.Logger.Level.DEBUG,
                        "online-now: could not ask the handshake request for the seeHidden roles", e);
            }
        }
        sec.getUserProperties().put(Handshake.KEY, h);
    }

    @Override
    public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
        for (String r : requested) {
            if (supported.contains(r)) {
                return r;
            }
        }
        return "";
    }

    /** The client's offers the {@code compression} setting allows (see {@link #negotiate}). */
    @Override
    public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
        return negotiate(live.settings().compression(), installed, requested);
    }

    /**
     * The offers to accept, in the client's order: none when compression is off, else the
     * client's permessage-deflate offers (each with its parameters, for the container to choose
     * the first it can honour) if the container installs permessage-deflate. Any other extension
     * is refused: a frame format we have not measured nor tested must not appear because a client
     * asked for it.
     *
     * <p>Why off is the default: with browsers, which all offer permessage-deflate, a container
     * that accepts it keeps a zlib deflater and inflater per socket (on Tomcat 11, more than the
     * rest of an idle connection together) and compresses every frame for every recipient
     * separately; the figures are in docs/benchmarks.md.
     */
    static List<Extension> negotiate(OnlineNowSettings.Compression compression, List<Extension> installed,
                                     List<Extension> requested) {
        List<Extension> out = new ArrayList<>();
        if (compression != OnlineNowSettings.Compression.PERMESSAGE_DEFLATE) {
            return out;
        }
        boolean deflateInstalled = false;
        for (Extension i : installed) {
            deflateInstalled |= PERMESSAGE_DEFLATE.equals(i.getName());
        }
        if (deflateInstalled) {
            for (Extension r : requested) {
                if (PERMESSAGE_DEFLATE.equals(r.getName())) {
                    out.add(r);
                }
            }
        }
        return out;
    }
}
