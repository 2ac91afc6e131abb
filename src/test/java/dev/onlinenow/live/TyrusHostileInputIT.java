package dev.onlinenow.live;

import jakarta.servlet.ServletContainerInitializer;
import org.glassfish.tyrus.servlet.TyrusServletContainerInitializer;

import java.util.HashSet;
import java.util.Set;

/** The protocol fuzzer on Tyrus (GlassFish's WebSocket implementation) inside Tomcat; see {@link TyrusLiveIT}. */
class TyrusHostileInputIT extends HostileInputITBase {

    @Override
    ServletContainerInitializer websocketImplementation() {
        return new TyrusServletContainerInitializer();
    }

    @Override
    void customize(org.apache.catalina.Context ctx) {
        TyrusOnTomcat.install(ctx);
    }

    @Override
    Set<Class<?>> handlesTypes() {
        return new HashSet<>(Set.of(LiveEndpoint.class));
    }
}
