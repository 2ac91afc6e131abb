package dev.onlinenow.live;

import jakarta.websocket.MessageHandler;

import java.util.function.Consumer;

/**
 * Receives a socket's text messages in parts and hands each whole message on, enforcing the
 * {@code maxFrameBytes} limit itself: a message whose UTF-8 size would pass the limit is dropped
 * at the part that passes it, and {@code tooBig} is called once (the live layer closes with 1009).
 *
 * <p>Why parts: a container buffers a whole-message handler's message in a buffer of the
 * session's maximum text message size, and Tomcat allocates that buffer per socket, idle or
 * not (16 K chars, 32 KB of heap, on every socket at the default {@code maxFrameBytes}). With a
 * partial handler the container's buffer can stay {@link #CONTAINER_BUFFER_CHARS} small whatever
 * the limit: a message that fits arrives as one part and is handed on as it is, a larger one is
 * put together here, in a builder that exists only while that message arrives.
 *
 * <p>Not thread-safe; containers deliver one socket's messages one at a time.
 */
final class TextFrames implements MessageHandler.Partial<String> {

    /**
     * The container's text buffer per socket, in chars. Client messages are small (a cursor move
     * about 60 bytes, a join with its meta at most {@code maxMetaBytes} + 100), so nearly all
     * arrive in one part.
     */
    static final int CONTAINER_BUFFER_CHARS = 1024;

    private final int maxBytes;
    private final Consumer<String> whole;
    private final Runnable tooBig;
    private StringBuilder partial; // null between messages: an idle socket holds nothing here
    private int bytes;
    private boolean refused;

    TextFrames(int maxBytes, Consumer<String> whole, Runnable tooBig) {
        this.maxBytes = maxBytes;
        this.whole = whole;
        this.tooBig = tooBig;
    }

    @Override
    public void onMessage(String part, boolean last) {
        if (refused) {
            return; // the socket is being closed; nothing more of it is read
        }
        int size = bytes + utf8Length(part, maxBytes - bytes + 1);
        if (size > maxBytes) {
            refused = true;
            partial = null;
            tooBig.run();
            return;
        }
        if (partial == null) {
            if (last) {
                whole.accept(part); // the common case: one part, no copy
                return;
            }
            partial = new StringBuilder(Math.max(2 * part.length(), CONTAINER_BUFFER_CHARS));
        }
        partial.append(part);
        bytes = size;
        if (last) {
            String text = partial.toString();
            partial = null;
            bytes = 0;
            whole.accept(text);
        }
    }

    /**
     * The UTF-8 size of {@code s}, or some number above {@code stopAbove} once it is known to be
     * larger (a huge part is not counted to its end). A surrogate counts 2, so a pair counts the
     * 4 bytes it encodes to, even when a container splits it between two parts.
     */
    static int utf8Length(CharSequence s, int stopAbove) {
        int n = 0;
        for (int i = 0, len = s.length(); i < len && n <= stopAbove; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800 || Character.isSurrogate(c)) {
                n += 2;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
