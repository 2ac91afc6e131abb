package dev.onlinenow.live;

import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;

import java.util.List;

/**
 * Ends a session's live identity when the app signs its user out without ending the session
 * (removing the session attribute that {@code userId} reads, or putting another user there): the
 * session's signed-in sockets close with 1008 "session ended", as they do when it is invalidated.
 * Registered by {@link OnlineNowLive} for {@code session:NAME} user ids.
 */
final class IdentityListener implements HttpSessionAttributeListener {

    private final LivePresence live;
    private final List<String> attributes;

    IdentityListener(LivePresence live, List<String> attributes) {
        this.live = live;
        this.attributes = List.copyOf(attributes);
    }

    @Override
    public void attributeRemoved(HttpSessionBindingEvent event) {
        changed(event);
    }

    @Override
    public void attributeReplaced(HttpSessionBindingEvent event) {
        // getValue() is the old value; a different new one is another user on this session
        Object now = event.getSession().getAttribute(event.getName());
        if (now == null || !now.equals(event.getValue())) {
            changed(event);
        }
    }

    private void changed(HttpSessionBindingEvent event) {
        if (attributes.contains(event.getName()) && !live.isClosed()) {
            live.identityEnded(event.getSession());
        }
    }
}
