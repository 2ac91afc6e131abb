package dev.onlinenow.spring.boot;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Start-up failures caused by online-now, told in online-now's words: a bad or unknown
 * {@code online-now.*} property (with where it was set), or any failure whose message is
 * online-now's own (it begins with {@code online-now:}, e.g. the live endpoint without a
 * WebSocket server), instead of Boot's "Unable to start web server" with the reason far below.
 */
public class OnlineNowFailureAnalyzer implements FailureAnalyzer {

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OnlineNowConfigurationException bad) {
                StringBuilder description = new StringBuilder(bad.getMessage());
                description.append("\n\n    Property: ").append(bad.getProperty());
                if (bad.getValue() != null) {
                    description.append("\n    Value: \"").append(bad.getValue()).append('"');
                }
                if (bad.getOrigin() != null) {
                    description.append("\n    Origin: ").append(bad.getOrigin());
                }
                return new FailureAnalysis(description.toString(), "Change " + bad.getProperty()
                        + " in the application's configuration; the settings and what each accepts are listed "
                        + "in online-now's docs/spring.md (the same keys as its web.xml settings).", bad);
            }
            String message = t.getMessage();
            if (message != null && message.startsWith("online-now:")) {
                String action = message.contains("WebSocket")
                        ? "Add a Jakarta WebSocket server (org.springframework.boot:spring-boot-starter-websocket), "
                        + "or set online-now.live.enabled=false."
                        : "Fix what online-now names above.";
                return new FailureAnalysis(message, action, t);
            }
        }
        return null;
    }
}
