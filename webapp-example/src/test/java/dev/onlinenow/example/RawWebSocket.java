package dev.onlinenow.example;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A WebSocket client written to the socket byte by byte, to send a long message as exactly one
 * frame, as a browser does. The JDK client's long messages do not test the same thing: Tyrus
 * 2.1.5 (GlassFish 7.0.21) closes a 1 MiB message from the JDK client, or one sent in several
 * frames, with 1009, but accepts the same message in one frame and answers it.
 */
final class RawWebSocket implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Opens the live endpoint as the visitor's browser would (its session cookie, the page's Origin). */
    static RawWebSocket open(WebClient visitor) throws IOException {
        URI app = visitor.app();
        Socket s = new Socket(app.getHost(), app.getPort());
        s.setSoTimeout((int) WebClient.TIMEOUT.toMillis());
        RawWebSocket ws = new RawWebSocket(s);
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        String request = "GET " + app.getPath() + "online-now/ws HTTP/1.1\r\n"
                + "Host: " + app.getAuthority() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Origin: " + visitor.origin() + "\r\n"
                + "Cookie: " + visitor.cookieHeader() + "\r\n\r\n";
        ws.out.write(request.getBytes(StandardCharsets.US_ASCII));
        ws.out.flush();
        String head = ws.readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            s.close();
            throw new AssertionError("the handshake was not accepted:\n" + head);
        }
        return ws;
    }

    /** Sends {@code text} as one final, masked text frame, however long. */
    RawWebSocket sendOneFrame(String text) throws IOException {
        writeFrame(0x81, text.getBytes(StandardCharsets.UTF_8)); // FIN, text
        return this;
    }

    /**
     * Sends {@code text} as one message in frames of {@code frameBytes} (a text frame, then
     * continuation frames), as a browser may; stops writing once the server has closed.
     */
    RawWebSocket sendInFrames(String text, int frameBytes) throws IOException {
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at < all.length; at += frameBytes) {
            int n = Math.min(frameBytes, all.length - at);
            boolean last = at + n >= all.length;
            int opcode = at == 0 ? 0x1 : 0x0;
            byte[] part = new byte[n];
            System.arraycopy(all, at, part, 0, n);
            if (!writeFrame((last ? 0x80 : 0) | opcode, part)) {
                break;
            }
        }
        return this;
    }

    /** Writes one masked frame; false if the server closed before it was written (awaitClose() looks at that). */
    private boolean writeFrame(int firstByte, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(firstByte);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift));
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i & 3];
        }
        frame.write(payload, 0, payload.length);
        try {
            out.write(frame.toByteArray());
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads frames until the server's close frame and returns its code; fails if the server
     * answers anything else first other than text frames, goes quiet, or drops the connection
     * without a close frame.
     */
    int awaitClose() throws IOException {
        StringBuilder texts = new StringBuilder();
        try {
            while (true) {
                int b0 = in.readUnsignedByte();
                long length = in.readUnsignedByte() & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                int opcode = b0 & 0x0f;
                if (opcode == 0x8) {
                    return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                }
                texts.append(new String(payload, StandardCharsets.UTF_8)).append('\n');
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no close frame within " + WebClient.TIMEOUT + "; the server sent:\n" + texts, e);
        } catch (EOFException e) {
            throw new AssertionError("the connection ended without a close frame; the server sent:\n" + texts, e);
        }
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection ended in the handshake: " + head);
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
