package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.internal.live.LiveBackend;
import dev.onlinenow.internal.live.RoomBus;
import dev.onlinenow.internal.live.RoomState;

import java.util.UUID;

/** The live layer's choice of backend: rooms in this JVM, or in Redis with {@code store=redis}. */
final class Backends {

    private Backends() {
    }

    /** The backend the settings call for: in-process, or Redis when {@code store=redis}. */
    static LiveBackend forSettings(OnlineNowSettings settings) {
        return settings.store() == OnlineNowSettings.StoreKind.REDIS ? LiveBackend.redis(settings) : inProcess();
    }

    /** Rooms in this JVM's memory, and a bus that delivers in the publishing thread. */
    static LiveBackend inProcess() {
        LocalRoomState state = new LocalRoomState();
        LocalRoomBus bus = new LocalRoomBus();
        String node = UUID.randomUUID().toString().substring(0, 8);
        return new LiveBackend() {
            @Override
            public RoomState state() {
                return state;
            }

            @Override
            public RoomBus bus() {
                return bus;
            }

            @Override
            public String nodeId() {
                return node;
            }

            @Override
            public void close() {
                bus.close();
            }
        };
    }
}
