package dev.onlinenow.live;

import jakarta.servlet.ServletContainerInitializer;
import org.apache.tomcat.websocket.server.WsSci;

import java.util.Set;

/** The live endpoint on Tomcat's own WebSocket implementation. */
class TomcatLiveIT extends LiveEndpointITBase {

    @Override
    ServletContainerInitializer websocketImplementation() {
        return new WsSci();
    }

    @Override
    Set<Class<?>> handlesTypes() {
        return null;
    }
}
