package dev.onlinenow;

import dev.onlinenow.internal.RateLimitedLog;
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
    private static final RateLimitedLog WARN = new RateLimitedLog(LOG);

    private OnlineNow online;
    private boolean owner;
    private ServletContext context;
    private volatile Long lastCount;
    private volatile Long lastGuestCount;
    private static final Long ZERO = 0L;

    public OnlineNowFilter() {
    }

    /** A filter over an index you built (for registering the filter in code, and for tests). */
    public OnlineNowFilter(OnlineNow online) {
        this.online = Objects.requireNonNull(online, "online");
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        if (online != null) {
            online.filterStarted();
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
                // the same one configuration the live listener built, if it started first
                OnlineNowSettings settings = OnlineNowSettings.builder().apply(WebXmlSettings.merge(
                        WebXmlSettings.places(context, config.getFilterName(), initParams))).build();
                if (existing != null) {
                    if (!initParams.isEmpty() && !existing.settings().source().equals(settings.source())) {
                        throw new IllegalStateException("online-now: the filter " + config.getFilterName()
                                + "'s init-params " + OnlineNowSettings.redacted(initParams)
                                + " differ from the configuration already in use "
                                + OnlineNowSettings.redacted(existing.settings().source())
                                + ", which your code installed (OnlineNow.install) "
                                + "or which started where the filter's registration could not be seen; configure "
                                + "it in one place: the init-params, context-params named online-now.KEY, or code");
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
        online.filterStarted();
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
        String recorded = null;
        try {
            recorded = record(request, res);
        } catch (RuntimeException e) {
            failed("recording activity", e);
        }
        try {
            expose(request, recorded == GUEST ? null : recorded);
        } catch (RuntimeException e) {
            failed("exposing the online users", e);
        }
        chain.doFilter(req, res);
        if (recorded == null || recorded == GUEST) {
            try {
                signedInDuring(request, recorded == GUEST);
            } catch (RuntimeException e) {
                failed("recording a sign-in", e);
            }
        }
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

    /** What {@link #record} returns for a request that counted as a guest (compared by identity). */
    private static final String GUEST = new String("guest");

    /*
     * The cost on a request (docs/benchmarks.md, "The filter in a real container"): one
     * getSession(false), shared by the user id and the session marker; the exclude patterns
     * matched against the servlet path and path info the container has already decoded and
     * mapped (getContextPath() is no cheap getter in Tomcat: it decodes and normalizes the URI on
     * every call); one getAttribute for the marker; the touch; four setAttribute. Those four
     * stay: EL finds ${onlineNowCount} through PageContext.findAttribute, which asks
     * request.getAttribute(name), so each documented name must be a request attribute (a
     * request wrapper answering getAttribute would be lost on error pages and startAsync()
     * dispatches, which use the container's own request). Their values cost nothing to make: the
     * two lists are one lazy object and its view, the counts are boxes reused while unchanged.
     */

    /**
     * Records the request's user or guest. Returns the user id, {@link #GUEST} for a request that
     * counted as a guest, or null.
     */
    private String record(HttpServletRequest request, ServletResponse response) {
        OnlineNowSettings s = online.settings();
        HttpSession session = request.getSession(false);
        String userId = s.userId().userIdOf(request, session);
        if (!s.exclude().isEmpty() && s.exclude().matches(request.getServletPath(), request.getPathInfo())) {
            return userId;
        }
        if (userId != null) {
            online.touch(userId);
            if (session != null) {
                mark(session, userId);
            }
            return userId;
        }
        if (s.trackAnonymous()) {
            if (session == null) {
                // A first visit (or one whose session ended): it can not count, but the next
                // request can show that the visitor kept a session only if there is one. This
                // is what trackAnonymous costs a request without the cookie (README, Settings).
                // Not on a dispatch whose response is committed already (an include, an error
                // page): a session can not be created then, and the request that began it had one.
                if (!response.isCommitted()) {
                    request.getSession(true);
                }
                return null;
            }
            return online.guestOf(session) != null ? GUEST : null;
        }
        if (session != null && SessionMarker.of(session) != null) {
            // signed out without invalidating the session: the user leaves now
            session.removeAttribute(SessionMarker.ATTRIBUTE);
        }
        return null;
    }

    /*
     * After the chain, for a request that had no user before it. A guest who signed in during it
     * stops being a guest at once (a signed-in user without a guest's past is counted from their
     * next request, the page the login redirects to: so a sign-in costs no extra write, and
     * Spring Security's context, which it keeps in the session, is read there before the chain,
     * see UserIdSource). What a security filter after ours knows only through its request
     * wrapper (a stateless token, another framework) is gone from the request we hold by now:
     * where the session shows such a framework's sign-in, say so once, naming the fix.
     * Cost for an anonymous request: one getSession(false), and for one with a session one
     * attribute lookup (Spring's context) plus the few of FOREIGN_SIGN_INS, until the warning.
     */
    private void signedInDuring(HttpServletRequest request, boolean guest) {
        if (request.isAsyncStarted()) {
            return; // the next request will tell
        }
        HttpSession session = request.getSession(false);
        if (session == null || (!guest && warnedForeign)) {
            return;
        }
        String userId = online.settings().userId().userIdOf(request, session);
        if (userId == null) {
            if (!warnedForeign) {
                foreignSignIn(session);
            }
        } else if (guest) {
            online.touch(userId);
            mark(session, userId); // replaces the guest's marker, which takes the guest off
        }
    }

    /**
     * Session attributes with which security frameworks other than Spring Security keep a signed-in
     * user, and their names; online-now cannot read those ids itself.
     */
    private static final String[][] FOREIGN_SIGN_INS = {
            {"org.apache.shiro.subject.support.DefaultSubjectContext_PRINCIPALS_SESSION_KEY", "Apache Shiro"},
            {"pac4jUserProfiles", "pac4j"},
            {"org.keycloak.KeycloakSecurityContext", "the Keycloak adapter"},
    };

    private volatile boolean warnedForeign;

    private void foreignSignIn(HttpSession session) {
        for (String[] f : FOREIGN_SIGN_INS) {
            Object value;
            try {
                value = session.getAttribute(f[0]);
            } catch (IllegalStateException invalidated) {
                return;
            }
            if (value != null && !warnedForeign) {
                warnedForeign = true;
                LOG.log(Level.WARNING, "online-now: a request's session holds a user signed in with " + f[1]
                        + " (session attribute " + f[0] + "), but OnlineNowFilter sees no user ("
                        + online.settings().userId() + "): its filter runs after OnlineNowFilter. Map "
                        + "OnlineNowFilter after it (in web.xml, put OnlineNowFilter's <filter-mapping> below the "
                        + "security filter's), or set userId to where the app keeps the id (logged once)");
                return;
            }
        }
    }

    /** Binds the user's marker unless the session already has it: written once per session. */
    private static void mark(HttpSession session, String userId) {
        SessionMarker m = SessionMarker.of(session);
        if (m == null || m.guest() || !m.key().equals(userId)) {
            session.setAttribute(SessionMarker.ATTRIBUTE, new SessionMarker(userId, false));
        }
    }

    private void expose(HttpServletRequest request, String userId) {
        Snapshot snapshot = new Snapshot(online, userId);
        request.setAttribute(IDS_ATTRIBUTE, snapshot);
        request.setAttribute(USERS_ATTRIBUTE, snapshot.users);
        request.setAttribute(COUNT_ATTRIBUTE, boxedCount(online.count()));
        request.setAttribute(GUEST_COUNT_ATTRIBUTE, online.settings().trackAnonymous() ? boxedGuestCount(online.guestCount()) : ZERO);
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

    private Long boxedGuestCount(long n) {
        Long last = lastGuestCount;
        if (last == null || last != n) {
            last = n;
            lastGuestCount = last;
        }
        return last;
    }

    private void failed(String what, RuntimeException e) {
        WARN.warn(what, () -> "online-now: failed " + what + "; the request goes on without it", e);
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
                    WARN.warn("listing", () -> "online-now: could not list the online users; the page shows "
                            + "nobody (the count is unaffected) until the store answers again", e);
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
