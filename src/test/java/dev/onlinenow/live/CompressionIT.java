package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.testing.LiveServer;
import org.apache.tomcat.websocket.server.WsSci;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code compression} setting on Tomcat's WebSocket, which installs permessage-deflate: the
 * handshake of a browser, which offers it, gets it only when the setting asks for it.
 */
class CompressionIT {

    @Test
    void byDefaultTheBrowsersDeflateOfferIsRefused() throws Exception {
        try (LiveServer server = start(b -> b)) {
            List<String> response = handshake(server);
            assertThat(response.get(0)).startsWith("HTTP/1.1 101");
            assertThat(response).noneMatch(h -> h.toLowerCase().startsWith("sec-websocket-extensions"));
        }
    }

    @Test
    void permessageDeflateAcceptsIt() throws Exception {
        try (LiveServer server = start(b -> b.compression(OnlineNowSettings.Compression.PERMESSAGE_DEFLATE))) {
            List<String> response = handshake(server);
            assertThat(response.get(0)).startsWith("HTTP/1.1 101");
            assertThat(response).anyMatch(h -> h.toLowerCase().startsWith("sec-websocket-extensions: permessage-deflate"));
        }
    }

    private static LiveServer start(java.util.function.UnaryOperator<OnlineNowSettings.Builder> settings) throws Exception {
        return LiveServer.builder().websocket(new WsSci(), null).inProcess(settings, live -> live).start();
    }

    /** A browser's handshake, Chrome's extension offer included; the response's status line and headers. */
    private static List<String> handshake(LiveServer server) throws Exception {
        String cookie = server.login("alice");
        try (Socket s = new Socket("localhost", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + server.wsUri().getRawPath() + " HTTP/1.1\r\n"
                    + "Host: localhost:" + server.port() + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                    + "Origin: " + server.origin() + "\r\n"
                    + "Cookie: " + cookie + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            List<String> lines = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                lines.add(line);
            }
            return lines;
        }
    }
}
