package dev.onlinenow;

import dev.onlinenow.store.LastSeen;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records each request's user as active and exposes who is online to the request.
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>onlineNow</filter-name>
 *   <filter-class>dev.onlinenow.OnlineNowFilter</filter-class>
 * </filter>
 * <filter-mapping><filter-name>onlineNow</filter-name><url-pattern>/*</url-pattern></filter-mapping>
 * }</pre>
 *
 * <p>Request attributes: {@value #IDS_ATTRIBUTE} ({@code List<String>}, most recent first, at most
 * {@code maxCount}, the current user included), {@value #USERS_ATTRIBUTE} ({@code List<OnlineUser>},
 * resolved lazily in one batch), {@value #COUNT_ATTRIBUTE} ({@code long}, exact, not capped) and
 * {@value #GUEST_COUNT_ATTRIBUTE} ({@code long}). Settings are listed in {@link OnlineNowSettings};
 * a bad one fails the web app's start-up.
 *
 * <p>The filter never fails a request because of its own trouble: it logs and lets it through.
 */
public class OnlineNowFilter implements Filter {

    public static final String IDS_ATTRIBUTE = "onlineNowIds";
    public static final String USERS_ATTRIBUTE = "onlineNow";
    public static final String COUNT_ATTRIBUTE = "onlineNowCount";
    public static final String GUEST_COUNT_ATTRIBUTE = "onlineGuestCount";

    private static final System.Logger LOG = System.getLogger(OnlineNowFilter.class.getName());
    private static final long WARN_EVERY_MILLIS = 60_000;

    private OnlineNow online;
    private boolean owner;
    private ServletContext context;
    private final AtomicLong suppressedFailures = new AtomicLong();
    private volatile long lastWarning;
    private volatile Long lastCount;

    public OnlineNowFilter() {
    }

    /** A filter over an index you built (for registering the filter in code, and for tests). */
    public OnlineNowFilter(OnlineNow online) {
        this.online = Objects.requireNonNull(online, "online");
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        if (online != null) {
            return;
        }
        context = config.getServletContext();
        try {
            Map<String, String> initParams = new TreeMap<>();
            for (String name : Collections.list(config.getInitParameterNames())) {
                initParams.put(name, config.getInitParameter(name));
            }
            synchronized (context) {
                OnlineNow existing = OnlineNow.get(context);
                // parse first: an unknown key or a bad value fails here, whoever started first
                OnlineNowSettings settings = OnlineNowSettings.builder()
                        .apply(OnlineNow.contextParams(context)).apply(initParams).build();
                if (existing != null) {
                    if (!initParams.isEmpty() && !existing.settings().source().equals(settings.source())) {
                        throw new IllegalStateException("online-now: the filter's init-params "
                                + OnlineNowSettings.redacted(initParams) + " differ from the configuration already in use "
                                + OnlineNowSettings.redacted(existing.settings().source())
                                + " (the live endpoint or your code started it first); move them to context-params "
                                + "named online-now.KEY so that every part shares one configuration");
                    }
                    online = existing;
                } else {
                    online = OnlineNow.create(settings, context);
                    OnlineNow.install(context, online);
                    owner = true;
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.log(Level.ERROR, e.getMessage());
            throw new ServletException(e.getMessage(), e);
        }
        LOG.log(Level.INFO, "online-now: tracking " + online.settings().userId() + " with " + online.settings());
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (online == null || !(req instanceof HttpServletRequest)) {
            chain.doFilter(req, res);
            return;
        }
        HttpServletRequest request = (HttpServletRequest) req;
        String userId = null;
        try {
            userId = record(request);
        } catch (RuntimeException e) {
            failed("recording activity", e);
        }
        try {
            expose(request, userId);
        } catch (RuntimeException e) {
            failed("exposing the online users", e);
        }
        chain.doFilter(req, res);
    }

    @Override
    public void destroy() {
        OnlineNow o = online;
        if (owner && o != null) {
            online = null;
            try {
                if (context != null) {
                    OnlineNow.uninstall(context, o);
                }
            } finally {
                o.close();
            }
        }
    }

    /** The index this filter feeds. */
    public OnlineNow online() {
        return online;
    }

    /** Records the request's user (or guest) and returns the user id, or null for a guest. */
    private String record(HttpServletRequest request) {
        OnlineNowSettings s = online.settings();
        String userId = s.userId().userId(request);
        if (!s.exclude().isEmpty() && s.exclude().matches(pathOf(request))) {
            return userId;
        }
        if (userId != null) {
            online.touch(userId);
            HttpSession session = request.getSession(false);
            if (session != null) {
                mark(session, userId, false);
            }
        } else if (s.trackAnonymous()) {
            HttpSession session = request.getSession(true);
            SessionMarker m = marker(session);
            String guestKey = m != null && m.guest() ? m.key() : UUID.randomUUID().toString();
            // replacing a user's marker here is the sign-out that removed the session attribute
            mark(session, guestKey, true);
            online.touchGuest(guestKey);
        } else {
            HttpSession session = request.getSession(false);
            if (session != null && marker(session) != null) {
                // signed out without invalidating the session: the user leaves now
                session.removeAttribute(SessionMarker.ATTRIBUTE);
            }
        }
        return userId;
    }

    private static SessionMarker marker(HttpSession session) {
        Object m = session.getAttribute(SessionMarker.ATTRIBUTE);
        return m instanceof SessionMarker ? (SessionMarker) m : null;
    }

    /** Binds the marker for {@code key} unless the session already has it: written once per session. */
    private static void mark(HttpSession session, String key, boolean guest) {
        SessionMarker m = marker(session);
        if (m == null || !m.key().equals(key) || m.guest() != guest) {
            session.setAttribute(SessionMarker.ATTRIBUTE, new SessionMarker(key, guest));
        }
    }

    private void expose(HttpServletRequest request, String userId) {
        Snapshot snapshot = new Snapshot(online, userId);
        request.setAttribute(IDS_ATTRIBUTE, snapshot);
        request.setAttribute(USERS_ATTRIBUTE, snapshot.users);
        request.setAttribute(COUNT_ATTRIBUTE, boxedCount(online.count()));
        request.setAttribute(GUEST_COUNT_ATTRIBUTE, online.settings().trackAnonymous() ? online.guestCount() : 0L);
    }

    /** The count as a Long, the same object while it does not change (one allocation less per request). */
    private Long boxedCount(long n) {
        Long last = lastCount;
        if (last == null || last != n) {
            last = n;
            lastCount = last;
        }
        return last;
    }

    private static String pathOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String ctx = request.getContextPath();
        String path = ctx != null && !ctx.isEmpty() && uri.startsWith(ctx) ? uri.substring(ctx.length()) : uri;
        int semi = path.indexOf(';'); // ;jsessionid=...
        return semi >= 0 ? path.substring(0, semi) : path;
    }

    private void failed(String what, RuntimeException e) {
        long now = System.currentTimeMillis();
        if (now - lastWarning >= WARN_EVERY_MILLIS) {
            lastWarning = now;
            long suppressed = suppressedFailures.getAndSet(0);
            LOG.log(Level.WARNING, "online-now: failed " + what + "; the request goes on without it"
                    + (suppressed > 0 ? " (" + suppressed + " similar failures not logged in the last minute)" : ""), e);
        } else {
            suppressedFailures.incrementAndGet();
        }
    }

    /**
     * The lists a request sees, computed once on first use: pages that never read them pay
     * nothing, and {@code onlineNow} is resolved from the same ids as {@code onlineNowIds}. The
     * snapshot is itself the {@code onlineNowIds} list and owns the {@code onlineNow} view, so a
     * request allocates two small objects for both.
     */
    private static final class Snapshot extends AbstractList<String> {
        final OnlineNow online;
        final String self;
        final List<OnlineUser> users = new Users();
        private List<LastSeen> seen; // under this
        private List<String> ids; // under this
        private List<OnlineUser> resolved; // under this

        Snapshot(OnlineNow online, String self) {
            this.online = online;
            this.self = self;
        }

        private List<LastSeen> seen() {
            if (seen == null) {
                try {
                    int max = online.settings().maxCount();
                    List<LastSeen> recent = online.recent(max);
                    if (self != null && recent.stream().noneMatch(s -> s.id().equals(self))) {
                        // the current user is always listed: coalescing may have kept their time a
                        // second old behind maxCount users who came in since
                        List<LastSeen> withSelf = new ArrayList<>(recent.size() + 1);
                        online.users().lastSeen(self).ifPresent(at -> withSelf.add(new LastSeen(self, at.toEpochMilli())));
                        withSelf.addAll(recent);
                        recent = withSelf.size() > max ? withSelf.subList(0, max) : withSelf;
                    }
                    seen = List.copyOf(recent);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "online-now: could not list the online users", e);
                    seen = List.of();
                }
            }
            return seen;
        }

        private synchronized List<String> ids() {
            if (ids == null) {
                ids = OnlineNow.ids(seen());
            }
            return ids;
        }

        private synchronized List<OnlineUser> resolved() {
            if (resolved == null) {
                resolved = Collections.unmodifiableList(online.resolve(seen()));
            }
            return resolved;
        }

        @Override
        public String get(int index) {
            return ids().get(index);
        }

        @Override
        public int size() {
            return ids().size();
        }

        /** The {@code onlineNow} list: resolved on first access, from the same ids. */
        private final class Users extends AbstractList<OnlineUser> {
            @Override
            public OnlineUser get(int index) {
                return resolved().get(index);
            }

            @Override
            public int size() {
                return resolved().size();
            }
        }
    }
}
