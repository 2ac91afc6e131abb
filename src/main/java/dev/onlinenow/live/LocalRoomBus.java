package dev.onlinenow.live;

import dev.onlinenow.internal.live.RoomBus;
import java.util.function.Consumer;

/** The in-process bus: delivers each message to the receiver in the publishing thread. */
final class LocalRoomBus implements RoomBus {

    private volatile Consumer<RoomMessage> receiver;
    private volatile boolean closed;

    @Override
    public void publish(RoomMessage message) {
        Consumer<RoomMessage> r = receiver;
        if (r != null && !closed) {
            r.accept(message);
        }
    }

    @Override
    public void subscribe(Consumer<RoomMessage> receiver) {
        this.receiver = receiver;
    }

    @Override
    public void close() {
        closed = true;
    }
}
