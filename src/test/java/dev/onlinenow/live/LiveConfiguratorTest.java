package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings.Compression;
import jakarta.websocket.Extension;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LiveConfiguratorTest {

    /** An extension as a container parses it from the handshake. */
    private static Extension ext(String name, String... params) {
        List<Extension.Parameter> ps = new java.util.ArrayList<>();
        for (String p : params) {
            ps.add(new Extension.Parameter() {
                @Override
                public String getName() {
                    return p;
                }

                @Override
                public String getValue() {
                    return null;
                }
            });
        }
        return new Extension() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public List<Parameter> getParameters() {
                return ps;
            }
        };
    }

    // what Chrome sends: Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits
    private final List<Extension> chrome = List.of(ext("permessage-deflate", "client_max_window_bits"));
    private final List<Extension> tomcat = List.of(ext("permessage-deflate"));

    @Test
    void offRefusesTheBrowsersDeflateOffer() {
        assertThat(LiveConfigurator.negotiate(Compression.OFF, tomcat, chrome)).isEmpty();
    }

    @Test
    void permessageDeflateAcceptsTheOfferWithItsParameters() {
        List<Extension> out = LiveConfigurator.negotiate(Compression.PERMESSAGE_DEFLATE, tomcat, chrome);
        assertThat(out).containsExactlyElementsOf(chrome);
        assertThat(out.get(0).getParameters()).extracting(Extension.Parameter::getName)
                .containsExactly("client_max_window_bits");
    }

    @Test
    void permessageDeflateNeedsTheContainerToHaveIt() {
        assertThat(LiveConfigurator.negotiate(Compression.PERMESSAGE_DEFLATE, List.of(), chrome)).isEmpty();
    }

    @Test
    void otherExtensionsAreNeverAccepted() {
        List<Extension> offered = List.of(ext("x-webkit-deflate-frame"), ext("permessage-deflate"), ext("x-custom"));
        List<Extension> installed = List.of(ext("x-webkit-deflate-frame"), ext("permessage-deflate"), ext("x-custom"));
        assertThat(LiveConfigurator.negotiate(Compression.PERMESSAGE_DEFLATE, installed, offered))
                .extracting(Extension::getName).containsExactly("permessage-deflate");
        assertThat(LiveConfigurator.negotiate(Compression.OFF, installed, offered)).isEmpty();
    }
}
