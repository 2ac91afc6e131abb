package dev.onlinenow.live;

import jakarta.servlet.ServletContainerInitializer;
import org.apache.tomcat.websocket.server.WsSci;

import java.util.Set;

/** The protocol fuzzer on Tomcat's own WebSocket implementation. */
class TomcatHostileInputIT extends HostileInputITBase {

    @Override
    ServletContainerInitializer websocketImplementation() {
        return new WsSci();
    }

    @Override
    Set<Class<?>> handlesTypes() {
        return null;
    }
}
