package dev.onlinenow.spring.boot;

import dev.onlinenow.live.OnlineNowLive;
import jakarta.servlet.ServletContextEvent;

/**
 * {@link OnlineNowLive} whose start-up failure Boot's failure analysis can tell: embedded Tomcat
 * only logs a listener's exception and fails with "Unable to start embedded Tomcat", so the
 * reason would be far up in the log. {@link OnlineNowFailureAnalyzer} takes it from here.
 */
final class LiveListener extends OnlineNowLive {

    @Override
    public void contextInitialized(ServletContextEvent event) {
        try {
            super.contextInitialized(event);
        } catch (RuntimeException e) {
            LiveFailure.LAST.set(e);
            throw e;
        }
    }
}
