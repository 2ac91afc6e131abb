package dev.onlinenow;

import dev.onlinenow.internal.RateLimitedLog;
import dev.onlinenow.store.LastSeen;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.AbstractList;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 * <p>With a security filter (Spring Security's {@code springSecurityFilterChain}) it may be mapped
 * before or after it: the default {@code userId=principal} also reads the signed-in user Spring
 * Security keeps in the session (see {@link UserIdSource}). Where a user stays out of its sight
 * (a login that lives only inside a security filter mapped after this one), it says so once in
 * the log, naming the fix.
 *
 * <p>The filter never fails a request because of its own trouble: it logs and lets it through.
 */
public class OnlineNowFilter implements Filter {

    public static final String IDS_ATTRIBUTE = "onlineNowIds";
    public static final String USERS_ATTRIBUTE = "onlineNow";
    public static final String COUNT_ATTRIBUTE = "onlineNowCount";
    public static final String GUEST_COUNT_ATTRIBUTE = "onlineGuestCount";
    /** Hidden users online ({@code long}); they are counted in {@value #COUNT_ATTRIBUTE} too. */
    public static final String HIDDEN_COUNT_ATTRIBUTE = "onlineHiddenCount";
    /** Robots active within the threshold ({@code long}); never in the users' or guests' counts. */
    public static final String ROBOT_COUNT_ATTRIBUTE = "onlineRobotCount";
    /** Their names ({@code List<String>}), most recent first, at most {@code maxCount} (the order at most a second old). */
    public static final String ROBOTS_ATTRIBUTE = "onlineRobots";
    /**
     * Set by a page (a string such as {@code topic:42}) to name where its viewer is, instead of
     * the path; read when the page is done.
     */
    public static final String LOCATION_ATTRIBUTE = "onlineNowLocation";
    /** The most people ever online at once, and when ({@link OnlineRecord}: {@code count}, {@code date}). */
    public static final String RECORD_ATTRIBUTE = "onlineNowRecord";

    private static final System.Logger LOG = System.getLogger(OnlineNowFilter.class.getName());
    private static final RateLimitedLog WARN = new RateLimitedLog(LOG);

    private OnlineNow online;
    private boolean owner;
    private ServletContext context;
    private volatile Long lastCount;
    private volatile Long lastGuestCount;
    private volatile Long lastHiddenCount;
    private volatile Long lastRobotCount;
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
        boolean excluded = false;
        try {
            PathPatterns exclude = online.settings().exclude();
            excluded = !exclude.isEmpty() && exclude.matches(request.getServletPath(), request.getPathInfo());
            recorded = record(request, res, excluded);
        } catch (RuntimeException e) {
            failed("recording activity", e);
        }
        boolean guest = recorded != null && recorded != ROBOT && recorded.startsWith(OnlineNow.GUEST_PREFIX);
        ServletRequest page = req;
        Exposed exposed = null;
        try {
            exposed = expose(request, guest || recorded == ROBOT ? null : recorded);
            page = exposed;
        } catch (RuntimeException e) {
            failed("exposing the online users", e);
        }
        boolean returned = false;
        boolean hiding = online.hidingEnabled();
        // the EL functions on:isOnline / on:lastSeen answer as this request's viewer may know
        HttpServletRequest previous = hiding ? OnlineNow.viewing(request) : null;
        try {
            chain.doFilter(page, res);
            returned = true;
        } finally {
            if (hiding) {
                OnlineNow.viewerDone(previous);
            }
            if (exposed != null && (!returned || isError(res))) {
                // an error page is rendered after the chain, with the container's own request
                try {
                    exposed.materialize();
                } catch (RuntimeException e) {
                    failed("exposing the online users to an error page", e);
                }
            }
        }
        if (recorded == null || guest) {
            try {
                String signedIn = signedInDuring(request, guest);
                if (signedIn != null) {
                    recorded = signedIn;
                }
            } catch (RuntimeException e) {
                failed("recording a sign-in", e);
            }
        }
        if (recorded != null && recorded != ROBOT && !excluded) {
            try {
                locate(request, res, recorded);
            } catch (RuntimeException e) {
                failed("recording a location", e);
            }
        }
    }

    /*
     * Where the request's user or guest is: the page's own label, or the path inside the web app
     * as the container decoded and mapped it (never the query string, which may carry tokens) of
     * a request that showed them a page. Read when the page is done, so that it may set its label
     * anywhere; written only when it changed (the store compares first).
     */
    private void locate(HttpServletRequest request, ServletResponse response, String id) {
        Object label = request.getAttribute(LOCATION_ATTRIBUTE);
        String at;
        if (label != null) {
            at = label.toString();
        } else if (online.settings().location() == OnlineNowSettings.Location.PATH && isPage(response)) {
            String servletPath = request.getServletPath();
            String pathInfo = request.getPathInfo();
            at = pathInfo == null ? servletPath : servletPath + pathInfo;
            if (at == null || at.isEmpty()) {
                at = "/";
            }
        } else {
            return;
        }
        online.locate(id, at);
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

    /** What {@link #record} returns for a robot's request (compared by identity). */
    private static final String ROBOT = new String("robot");

    /*
     * The cost on a request (docs/benchmarks.md, "The filter in a real container" and issue 22):
     * one getSession(false), shared by the user id and the session marker; the exclude patterns
     * matched against the servlet path and path info the container has already decoded and
     * mapped (getContextPath() is no cheap getter in Tomcat: it decodes and normalizes the URI on
     * every call); one getAttribute for the marker; the touch; the counts; one small object, the
     * request the chain sees (Exposed), which answers the eight documented attributes, made on
     * first read, instead of eight setAttribute on the container's request; after the chain, the
     * location, read and compared (written only when it changed). A request without a user (a
     * guest, a robot) also has its User-Agent looked up in the robots' bounded table.
     */

    /**
     * Records the request's user, guest or robot. Returns the user id, the guest id (it begins
     * with {@value OnlineNow#GUEST_PREFIX}) for a request that counted as a guest, {@link #ROBOT}
     * for a robot's, or null. An excluded request records nothing and returns the user id.
     */
    private String record(HttpServletRequest request, ServletResponse response, boolean excluded) {
        OnlineNowSettings s = online.settings();
        HttpSession session = request.getSession(false);
        String userId = s.userId().userIdOf(request, session);
        if (excluded) {
            return userId;
        }
        if (userId != null) {
            online.touch(userId, hides(s, session));
            if (session != null) {
                mark(session, userId);
            }
            return userId;
        }
        if (s.robots()) {
            // a robot is never a user or a guest, and the filter never gives it a session
            String robot = online.robotOf(request.getHeader("User-Agent"));
            if (robot != null) {
                online.touchRobot(robot);
                return ROBOT;
            }
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
            return online.guestOf(session);
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
     * Returns the id of a guest who signed in, or null.
     */
    private String signedInDuring(HttpServletRequest request, boolean guest) {
        if (request.isAsyncStarted()) {
            return null; // the next request will tell
        }
        HttpSession session = request.getSession(false);
        if (session == null || (!guest && warnedForeign)) {
            return null;
        }
        String userId = online.settings().userId().userIdOf(request, session);
        if (userId == null) {
            if (!warnedForeign) {
                foreignSignIn(session);
            }
            return null;
        }
        if (!guest) {
            return null;
        }
        online.touch(userId, hides(online.settings(), session));
        mark(session, userId); // replaces the guest's marker, which takes the guest off
        return userId;
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

    /** Whether the session's user hides their online status ({@code hidden}: a Boolean, or the string true). */
    static boolean hides(OnlineNowSettings s, HttpSession session) {
        UserIdSource flag = s.hidden();
        if (flag == null || session == null) {
            return false;
        }
        Object v = flag.valueIn(session);
        return v instanceof Boolean b ? b : v != null && v.toString().trim().equalsIgnoreCase("true");
    }

    /** Binds the user's marker unless the session already has it: written once per session. */
    private static void mark(HttpSession session, String userId) {
        SessionMarker m = SessionMarker.of(session);
        if (m == null || m.guest() || !m.key().equals(userId)) {
            session.setAttribute(SessionMarker.ATTRIBUTE, new SessionMarker(userId, false));
        }
    }

    /*
     * Whether a response showed its user a page, for the location by path: not the stylesheets,
     * scripts, images and data a page fetches (a Content-Type that is not HTML), a redirect, a 304,
     * an error, or the live endpoint's handshake (101). A 2xx response that named no Content-Type
     * yet (an old servlet, an async one not done) counts as a page.
     */
    static boolean isPage(ServletResponse res) {
        if (!(res instanceof HttpServletResponse r)) {
            return true;
        }
        int status = r.getStatus();
        if (status < 200 || status >= 300) {
            return false;
        }
        String type = r.getContentType();
        if (type == null) {
            return true;
        }
        return type.regionMatches(true, 0, "text/html", 0, 9) || type.regionMatches(true, 0, "application/xhtml+xml", 0, 21);
    }

    /** Whether the response is an error, whose error page the container renders after the chain. */
    private static boolean isError(ServletResponse res) {
        return res instanceof HttpServletResponse r && r.getStatus() >= 400;
    }

    /*
     * The request attributes, as the chain sees them: one small object per request (the request
     * the chain is given), which answers getAttribute for the documented names from values made
     * on first read, instead of eight setAttribute on the container's request (each a map entry
     * made, an attribute listener check, and an entry cleared when the container recycles the
     * request). The counts are taken here, before the chain, as they were when they were set;
     * the record is raised from them.
     */
    private Exposed expose(HttpServletRequest request, String userId) {
        long users = online.count();
        long guests = online.settings().trackAnonymous() ? online.guestCount() : 0;
        online.noteCount(users + guests); // one comparison unless it is a new record
        return new Exposed(request, this, online, userId, boxedCount(users), guests == 0 ? ZERO : boxedGuestCount(guests));
    }

        /* The robots' names, shared by the requests of one second while their count stays: no list per
     * request, and at most one walk of the robots' index a second (the order may be a second old;
     * the count never is). */
    private record RobotNames(long second, long count, List<String> names) {
    }

    private volatile RobotNames robotNames;

    private List<String> robotNames(long count) {
        long second = online.settings().clock().millis() / 1000;
        RobotNames r = robotNames;
        if (r != null && r.second == second && r.count == count) {
            return r.names;
        }
        List<String> names = count == 0 ? List.of() : online.recentRobots(online.settings().maxCount());
        robotNames = new RobotNames(second, count, names);
        return names;
    }

    private Long boxedRobotCount(long n) {
        Long last = lastRobotCount;
        if (last == null || last != n) {
            last = n;
            lastRobotCount = last;
        }
        return last;
    }

    private Long boxedHiddenCount(long n) {
        Long last = lastHiddenCount;
        if (last == null || last != n) {
            last = n;
            lastHiddenCount = last;
        }
        return last;
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
     * The request the chain is given: the container's, with the documented attributes answered
     * from here. What the page and the app see is what eight {@code setAttribute} gave them:
     * {@code getAttribute} (EL's {@code findAttribute}, JSTL, servlets), {@code getAttributeNames},
     * the app's own {@code setAttribute} and {@code removeAttribute} of these names (from then on the
     * container's request holds the name, as for any other attribute), forwards and includes (the
     * container's dispatcher wraps below this request or around it, and asks it). Where the
     * container's own request reaches a page without this one, the values are written into it
     * first ({@link #materialize}): before {@code startAsync} (an async dispatch, and other
     * threads, use the request the async context holds) and, after the chain, when the response is
     * an error or the chain threw (an error page is rendered with the container's request).
     */
    static final class Exposed extends HttpServletRequestWrapper {
        private static final String[] NAMES = {IDS_ATTRIBUTE, USERS_ATTRIBUTE, COUNT_ATTRIBUTE,
                GUEST_COUNT_ATTRIBUTE, HIDDEN_COUNT_ATTRIBUTE, ROBOT_COUNT_ATTRIBUTE, ROBOTS_ATTRIBUTE,
                RECORD_ATTRIBUTE};
        private static final int ALL = (1 << NAMES.length) - 1;

        private final OnlineNowFilter filter;
        private final OnlineNow online;
        private final String self;
        private final Long count;
        private final Long guestCount;
        /** Bit i: NAMES[i] is the container request's own now (set or removed through here, or written into it). */
        private int handedOver;
        private Snapshot snapshot;
        // made on first read of any of them (benign races: each is the same value whoever makes it)
        private volatile boolean made;
        private Long hiddenCount;
        private Long robotCount;
        private List<String> robots;
        private OnlineRecord record;

        Exposed(HttpServletRequest request, OnlineNowFilter filter, OnlineNow online, String self, Long count,
                Long guestCount) {
            super(request);
            this.filter = filter;
            this.online = online;
            this.self = self;
            this.count = count;
            this.guestCount = guestCount;
        }

        private static int indexOf(String name) {
            if (name == null || name.length() < 8 || name.charAt(0) != 'o' || name.charAt(1) != 'n') {
                return -1; // most names the container and the app ask for: no switch
            }
            return switch (name) {
                case IDS_ATTRIBUTE -> 0;
                case USERS_ATTRIBUTE -> 1;
                case COUNT_ATTRIBUTE -> 2;
                case GUEST_COUNT_ATTRIBUTE -> 3;
                case HIDDEN_COUNT_ATTRIBUTE -> 4;
                case ROBOT_COUNT_ATTRIBUTE -> 5;
                case ROBOTS_ATTRIBUTE -> 6;
                case RECORD_ATTRIBUTE -> 7;
                default -> -1;
            };
        }

        private Object value(int i) {
            switch (i) {
                case 0:
                    return snapshot();
                case 1:
                    return snapshot().users;
                case 2:
                    return count;
                case 3:
                    return guestCount;
                default:
                    break;
            }
            if (!made) {
                make();
            }
            return switch (i) {
                case 4 -> hiddenCount;
                case 5 -> robotCount;
                case 6 -> robots;
                default -> record;
            };
        }

        private synchronized Snapshot snapshot() {
            if (snapshot == null) {
                // the viewer (for seeHidden's roles): the request below, or a dispatcher's wrapper of it
                snapshot = new Snapshot(online, self, (HttpServletRequest) getRequest());
            }
            return snapshot;
        }

        private synchronized void make() {
            if (made) {
                return;
            }
            hiddenCount = online.hidingEnabled() ? filter.boxedHiddenCount(online.hiddenCount()) : ZERO;
            if (online.settings().robots()) {
                long n = online.robotCount();
                robotCount = filter.boxedRobotCount(n);
                robots = filter.robotNames(n);
            } else {
                robotCount = ZERO;
                robots = List.of();
            }
            record = online.record();
            made = true;
        }

        @Override
        public Object getAttribute(String name) {
            int i = indexOf(name);
            if (i < 0 || (handedOver & (1 << i)) != 0) {
                return super.getAttribute(name);
            }
            return value(i);
        }

        @Override
        public Enumeration<String> getAttributeNames() {
            Enumeration<String> names = super.getAttributeNames();
            if (handedOver == ALL) {
                return names;
            }
            Set<String> all = new LinkedHashSet<>();
            while (names.hasMoreElements()) {
                all.add(names.nextElement());
            }
            for (int i = 0; i < NAMES.length; i++) {
                if ((handedOver & (1 << i)) == 0) {
                    all.add(NAMES[i]);
                }
            }
            return Collections.enumeration(all);
        }

        @Override
        public void setAttribute(String name, Object value) {
            super.setAttribute(name, value);
            handOver(name);
        }

        @Override
        public void removeAttribute(String name) {
            super.removeAttribute(name);
            handOver(name);
        }

        private void handOver(String name) {
            int i = indexOf(name);
            if (i >= 0) {
                handedOver |= 1 << i;
            }
        }

        @Override
        public AsyncContext startAsync() throws IllegalStateException {
            materialize();
            return super.startAsync();
        }

        @Override
        public AsyncContext startAsync(ServletRequest request, ServletResponse response) throws IllegalStateException {
            materialize();
            return super.startAsync(request, response);
        }

        /** Writes the values the app has not set or removed itself into the wrapped request. */
        void materialize() {
            int left = ALL & ~handedOver;
            if (left == 0) {
                return;
            }
            ServletRequest under = getRequest();
            for (int i = 0; i < NAMES.length; i++) {
                if ((left & (1 << i)) != 0) {
                    under.setAttribute(NAMES[i], value(i));
                }
            }
            handedOver = ALL;
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
        final HttpServletRequest viewer;
        final List<OnlineUser> users = new Users();
        private List<LastSeen> seen; // under this
        private Set<String> hiddenIds = Set.of(); // under this: those of seen that are hidden
        private List<String> ids; // under this
        private List<OnlineUser> resolved; // under this

        Snapshot(OnlineNow online, String self, HttpServletRequest viewer) {
            this.online = online;
            this.self = self;
            this.viewer = viewer;
        }

        private List<LastSeen> seen() {
            if (seen == null) {
                try {
                    int max = online.settings().maxCount();
                    List<LastSeen> recent = online.recent(max);
                    boolean anyHidden = online.hidingEnabled() && online.hiddenCount() > 0;
                    if (anyHidden && online.maySeeHidden(viewer)) {
                        // staff: the hidden users too, marked, in one list by time
                        List<LastSeen> hidden = online.recentHidden(max);
                        Set<String> marked = new HashSet<>();
                        List<LastSeen> merged = new ArrayList<>(recent.size() + hidden.size());
                        merged.addAll(recent);
                        merged.addAll(hidden);
                        merged.sort((a, b) -> Long.compare(b.epochMilli(), a.epochMilli()));
                        recent = merged.size() > max ? merged.subList(0, max) : merged;
                        for (LastSeen h : hidden) {
                            marked.add(h.id());
                        }
                        marked.retainAll(OnlineNow.ids(recent));
                        hiddenIds = marked;
                    }
                    if (self != null && recent.stream().noneMatch(s -> s.id().equals(self))) {
                        // the current user is always listed: coalescing may have kept their time a
                        // second old behind maxCount users who came in since; a hidden user sees themself
                        List<LastSeen> withSelf = new ArrayList<>(recent.size() + 1);
                        Optional<Instant> at = online.lastSeen(self);
                        if (at.isEmpty() && anyHidden) {
                            at = online.lastSeenHidden(self);
                            if (at.isPresent()) {
                                hiddenIds = hiddenIds.isEmpty() ? Set.of(self) : union(hiddenIds, self);
                            }
                        }
                        at.ifPresent(t -> withSelf.add(new LastSeen(self, t.toEpochMilli())));
                        withSelf.addAll(recent);
                        recent = withSelf.size() > max ? withSelf.subList(0, max) : withSelf;
                    }
                    seen = List.copyOf(recent);
                } catch (RuntimeException e) {
                    WARN.warn("listing", () -> "online-now: could not list the online users; the page shows "
                            + "nobody (the count is unaffected) until the store answers again", e);
                    seen = List.of();
                    hiddenIds = Set.of();
                }
            }
            return seen;
        }

        private static Set<String> union(Set<String> set, String one) {
            Set<String> out = new HashSet<>(set);
            out.add(one);
            return out;
        }

        private synchronized List<String> ids() {
            if (ids == null) {
                ids = OnlineNow.ids(seen());
            }
            return ids;
        }

        private synchronized List<OnlineUser> resolved() {
            if (resolved == null) {
                List<LastSeen> list = seen();
                resolved = Collections.unmodifiableList(online.resolve(list, hiddenIds));
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
