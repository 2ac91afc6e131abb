package dev.onlinenow.live;

import jakarta.servlet.ServletContainerInitializer;
import org.glassfish.tyrus.servlet.TyrusServletContainerInitializer;

import java.util.HashSet;
import java.util.Set;

/**
 * The live endpoint on Tyrus (the WebSocket implementation of GlassFish) inside Tomcat.
 *
 * <p>Tyrus's initializer creates its ServerContainer only when the container's scan found
 * classes of its {@code @HandlesTypes} ({@code @ServerEndpoint}, {@code ServerApplicationConfig},
 * {@code Endpoint}); with none it returns at once and the app has no WebSocket server. In a real
 * deployment the scan of WEB-INF/lib finds our {@link LiveEndpoint} (it extends {@code Endpoint}),
 * which Tyrus then ignores, since only a {@code ServerApplicationConfig} deploys plain
 * {@code Endpoint} classes; the listener's programmatic registration does the deploying. The
 * embedded Tomcat here does not scan, so the test passes what the scan would find.
 *
 * <p>Tyrus's servlet integration cannot write on Tomcat as it ships; {@link TyrusOnTomcat} works
 * around that in the test (GlassFish, Tyrus's home, needs no such thing).
 */
class TyrusLiveIT extends LiveEndpointITBase {

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
