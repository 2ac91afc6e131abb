package dev.onlinenow.live;

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

    @Override
    public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
        List<Extension> out = new ArrayList<>();
        for (Extension r : requested) {
            for (Extension i : installed) {
                if (i.getName().equals(r.getName())) {
                    out.add(r);
                    break;
                }
            }
        }
        return out;
    }
}
