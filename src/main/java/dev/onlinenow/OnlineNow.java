package dev.onlinenow;

import dev.onlinenow.internal.RateLimitedLog;
import dev.onlinenow.store.EhcachePresenceStore;
import dev.onlinenow.store.LastSeen;
import dev.onlinenow.store.PresenceStore;
import dev.onlinenow.store.StoreFactory;
import dev.onlinenow.store.StoreHealth;
import jakarta.servlet.ServletContext;

import javax.management.ObjectName;
import java.lang.System.Logger.Level;
import java.lang.reflect.Constructor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The online index of one web app: who is online, how many, and since when.
 *
 * <p>One instance per web app, shared by {@link OnlineNowFilter}, the EL functions and the live
 * endpoint. Servlets and JSPs reach it with {@link #get(ServletContext)}:
 *
 * <pre>{@code
 * OnlineNow online = OnlineNow.get(getServletContext());
 * long n = online.count();
 * boolean there = online.isOnline("alice");
 * }</pre>
 */
public final class OnlineNow implements AutoCloseable {

    /** The ServletContext attribute holding the web app's instance. */
    public static final String CONTEXT_ATTRIBUTE = OnlineNow.class.getName();

    /**
     * Every guest id begins with this, and no user id can: {@link UserIdSource} treats an id that
     * begins with it as no id at all. So guests and signed-in users never share an id.
     */
    public static final String GUEST_PREFIX = "guest:";

    private static final System.Logger LOG = System.getLogger(OnlineNow.class.getName());
    private static final RateLimitedLog WARN = new RateLimitedLog(LOG);

    /* EL functions are static and get no ServletContext; they find the web app's instance by the
     * thread's context class loader, which containers set to the web app's loader per request. */
    private static final Map<ClassLoader, OnlineNow> BY_LOADER = new ConcurrentHashMap<>();

    private final OnlineNowSettings settings;
    private final PresenceStore users;
    private final PresenceStore guests;
    private final UserResolver resolver;
    private final Map<String, Integer> sessionsPerUser = new ConcurrentHashMap<>();
    private final List<Consumer<String>> logoutListeners = new CopyOnWriteArrayList<>();
    private final OnlineNowStats stats;
    private final StoreHealth health;
    private ObjectName mbean; // guarded by this
    private volatile boolean closed;

    private OnlineNow(OnlineNowSettings settings, PresenceStore users, PresenceStore guests, UserResolver resolver,
                      OnlineNowStats stats, StoreHealth health) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.users = Objects.requireNonNull(users, "users");
        this.guests = Objects.requireNonNull(guests, "guests");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.stats = stats;
        this.health = health;
    }

    /**
     * Creates an index for these settings, with the store they name ({@code ehcache} or
     * {@code redis}) and the default resolver, or the one the settings name (instantiated with a
     * no-argument constructor).
     */
    public static OnlineNow create(OnlineNowSettings settings) {
        return create(settings, null);
    }

    /** Like {@link #create(OnlineNowSettings)}; a resolver class may take the ServletContext. */
    public static OnlineNow create(OnlineNowSettings settings, ServletContext context) {
        UserResolver resolver = settings.resolver() == null ? UserResolver.ID_AS_NAME
                : instantiate(settings.resolver(), OnlineNowSettings.RESOLVER, UserResolver.class, context);
        StoreFactory factory = StoreFactory.forSettings(settings);
        OnlineNowStats stats = new OnlineNowStats();
        StoreHealth health = settings.store() == OnlineNowSettings.StoreKind.REDIS
                ? new StoreHealth("redis", settings.clock()) : StoreHealth.inProcess("ehcache");
        PresenceStore users = factory.create("users", settings, stats, health);
        PresenceStore guests;
        try {
            guests = factory.create("guests", settings, stats, health);
        } catch (RuntimeException e) {
            users.close();
            throw e;
        }
        return new OnlineNow(settings, users, guests, resolver, stats, health);
    }

    /**
     * Creates an index over stores and a resolver of your own (tests, benchmarks, embedding); its
     * {@link #storeHealth()} is always up.
     */
    public static OnlineNow create(OnlineNowSettings settings, PresenceStore users, PresenceStore guests,
                                  UserResolver resolver) {
        return new OnlineNow(settings, users, guests, resolver, new OnlineNowStats(), StoreHealth.inProcess(
                users instanceof EhcachePresenceStore ? "ehcache" : users.getClass().getSimpleName()));
    }

    /** An in-process index with Ehcache stores, whatever the settings' {@code store} says. */
    public static OnlineNow inProcess(OnlineNowSettings settings) {
        return create(settings, StoreFactory.EHCACHE.create("users", settings),
                StoreFactory.EHCACHE.create("guests", settings), UserResolver.ID_AS_NAME);
    }

    /** The web app's instance, or null if neither the filter nor the live endpoint has started one. */
    public static OnlineNow get(ServletContext context) {
        Object o = context.getAttribute(CONTEXT_ATTRIBUTE);
        return o instanceof OnlineNow ? (OnlineNow) o : null;
    }

    /**
     * The web app's instance, started if there is none yet from the web app's one configuration:
     * the init-params of its {@link OnlineNowFilter} registrations and the {@code online-now.*}
     * context-params together (the live listener starts before the filter, and still sees the
     * filter's init-params). The filter and the live endpoint both end up here, so they share one
     * index.
     *
     * @throws IllegalArgumentException for an unknown key or a bad value, or one key with two
     *         different values (the message names both places)
     */
    public static OnlineNow getOrCreate(ServletContext context) {
        synchronized (context) {
            OnlineNow existing = get(context);
            if (existing != null) {
                return existing;
            }
            OnlineNowSettings settings = OnlineNowSettings.builder().apply(WebXmlSettings.of(context)).build();
            OnlineNow created = create(settings, context);
            install(context, created);
            return created;
        }
    }

    /**
     * Makes {@code online} the web app's instance (for tests and for apps that build it in code,
     * before the filter starts), and registers its MBean {@code dev.onlinenow:type=OnlineNow,
     * context=PATH} in the platform MBeanServer (docs/operations.md, "Monitoring"); {@link #uninstall} and
     * {@link #close} unregister it.
     *
     * @throws IllegalStateException if the web app already has one
     */
    public static void install(ServletContext context, OnlineNow online) {
        synchronized (context) {
            OnlineNow existing = get(context);
            if (existing != null && existing != online) {
                throw new IllegalStateException("online-now: this web app already has an OnlineNow instance; "
                        + "install yours before OnlineNowFilter and the live endpoint start, or use OnlineNow.get()");
            }
            context.setAttribute(CONTEXT_ATTRIBUTE, online);
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            if (loader != null) {
                BY_LOADER.put(loader, online);
            }
            online.registerMBean(context);
        }
    }

    /** Removes the instance from the web app (when it stops), and its MBean from JMX. */
    public static void uninstall(ServletContext context, OnlineNow online) {
        synchronized (context) {
            if (get(context) == online) {
                context.removeAttribute(CONTEXT_ATTRIBUTE);
            }
            BY_LOADER.values().removeIf(o -> o == online);
            online.unregisterMBean();
        }
    }

    private synchronized void registerMBean(ServletContext context) {
        if (mbean == null && !closed) {
            mbean = OnlineNowJmx.register(this, context);
        }
    }

    private synchronized void unregisterMBean() {
        ObjectName name = mbean;
        mbean = null;
        OnlineNowJmx.unregister(name);
    }

    /** The name of this index's MBean in the platform MBeanServer; null if it has none (not installed). */
    public synchronized ObjectName mbeanName() {
        return mbean;
    }

    /** The instance of the web app whose thread this is, for the EL functions; null if none. */
    static OnlineNow current() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        OnlineNow found = loader == null ? null : BY_LOADER.get(loader);
        if (found == null && BY_LOADER.size() == 1) {
            found = BY_LOADER.values().iterator().next();
        }
        return found;
    }

    /** The context-params prefixed {@code online-now.}, without the prefix. */
    public static Map<String, String> contextParams(ServletContext context) {
        Map<String, String> out = new TreeMap<>();
        Enumeration<String> names = context.getInitParameterNames();
        for (String name : names == null ? List.<String>of() : Collections.list(names)) {
            if (name.startsWith(OnlineNowSettings.CONTEXT_PARAM_PREFIX)) {
                out.put(name.substring(OnlineNowSettings.CONTEXT_PARAM_PREFIX.length()), context.getInitParameter(name));
            }
        }
        return out;
    }

    public OnlineNowSettings settings() {
        return settings;
    }

    /** Where user ids come from ({@code userId} setting); the live endpoint uses it at the handshake. */
    public UserIdSource userIdSource() {
        return settings.userId();
    }

    private volatile boolean filtered;

    /** Called by {@link OnlineNowFilter#init}: requests are counted by a filter. */
    void filterStarted() {
        filtered = true;
    }

    /*
     * One WARN per index: a handshake showed a signed-in user whom the filter did not see on the
     * same session (see noteHandshakeUser).
     */
    private final java.util.concurrent.atomic.AtomicBoolean warnedUnseen = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * For the live endpoint: a WebSocket handshake found {@code userId} signed in through the
     * request's principal. The handshake passes through every filter of the web app, so it sees a
     * security framework's request wrapper even where {@link OnlineNowFilter} runs before that
     * framework's filter and cannot. When a filter counts this app's requests and it never counted
     * this user on this session, that is the sign: logs a WARN, once, naming the fix.
     */
    public void noteHandshakeUser(String userId, jakarta.servlet.http.HttpSession session) {
        if (!filtered || session == null || userId == null || warnedUnseen.get()) {
            return;
        }
        SessionMarker m;
        try {
            m = SessionMarker.of(session);
        } catch (IllegalStateException invalidated) {
            return;
        }
        if ((m == null || m.guest() || !m.key().equals(userId)) && warnedUnseen.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "online-now: the live endpoint knows " + userId + " (the request's principal), "
                    + "but OnlineNowFilter did not see that user on the requests of the same session: a security "
                    + "filter that signs users in runs after OnlineNowFilter, so the user is not counted. Map "
                    + "OnlineNowFilter after it (in web.xml, put OnlineNowFilter's <filter-mapping> below the security "
                    + "filter's; in Spring Boot, give OnlineNowFilter's registration a higher order), or set userId "
                    + "to where the app keeps the id (logged once)");
        }
    }

    /** Records activity of a signed-in user now. */
    public void touch(String userId) {
        users.touch(userId);
    }

    /** Records activity of a guest (a session without a user id) now. */
    public void touchGuest(String guestKey) {
        guests.touch(guestKey);
    }

    // --- guests: people who kept their session, not requests ----------------------------

    /**
     * The guest id of the visitor whose session this is, recording them as active now; null when
     * the visitor is not (yet) a guest: {@code trackAnonymous} is off, there is no session, it was
     * invalidated, or it is new. A new session is one the client has not come back with: a
     * request without the session cookie (a health check, curl, most crawlers) never counts and
     * gets no guest id, and a visitor counts from the first request that shows they kept their
     * session. Call it for a request or handshake that has no user id: the filter and the live
     * endpoint both do, so a guest is one id everywhere.
     *
     * <p>The session's first call gives it a guest id ({@value #GUEST_PREFIX} and 16 random hex
     * digits, not derived from the session id). It replaces a signed-in user's marker, which is
     * how a user who signed out by removing the session attribute leaves at once.
     */
    public String guestOf(jakarta.servlet.http.HttpSession session) {
        if (!settings.trackAnonymous() || session == null) {
            return null;
        }
        SessionMarker m = null;
        try {
            if (session.isNew()) {
                return null;
            }
            m = SessionMarker.of(session);
            if (m == null || !m.guest()) {
                synchronized (session) { // two first requests of one session make one guest
                    m = SessionMarker.of(session);
                    if (m == null || !m.guest()) {
                        m = new SessionMarker(newGuestId(), true);
                        session.setAttribute(SessionMarker.ATTRIBUTE, m);
                    }
                }
            }
            guests.touch(m.key());
            if (session.getAttribute(SessionMarker.ATTRIBUTE) != m) {
                // replaced (signed in, or invalidated) while we touched: whoever replaced it
                // removed the guest before our touch, so take it out again
                guests.remove(m.key());
                return null;
            }
            return m.key();
        } catch (IllegalStateException invalidated) {
            if (m != null && m.guest()) {
                guests.remove(m.key()); // its invalidation may have removed it before our touch
            }
            return null;
        }
    }

    private static String newGuestId() {
        byte[] b = new byte[8];
        GUEST_IDS.nextBytes(b);
        return GUEST_PREFIX + java.util.HexFormat.of().formatHex(b);
    }

    private static final java.security.SecureRandom GUEST_IDS = new java.security.SecureRandom();

    /** True if {@code userId} was active within the threshold. */
    public boolean isOnline(String userId) {
        return userId != null && users.lastSeen(userId).isPresent();
    }

    /** When {@code userId} was last active, if within the threshold. */
    public Optional<Instant> lastSeen(String userId) {
        return userId == null ? Optional.empty() : users.lastSeen(userId);
    }

    /** The exact number of users active within the threshold (not capped by {@code maxCount}). */
    public long count() {
        return users.count();
    }

    /** The number of guests active within the threshold (0 unless {@code trackAnonymous}). */
    public long guestCount() {
        return guests.count();
    }

    /** The users active within the threshold, most recent first, at most {@code limit}. */
    public List<LastSeen> recent(int limit) {
        return users.recent(limit);
    }

    /** The ids active within the threshold, most recent first, at most {@code maxCount}. */
    public List<String> onlineIds() {
        return ids(users.recent(settings.maxCount()));
    }

    /** The ids of {@code seen}, in its order, unmodifiable. */
    static List<String> ids(List<LastSeen> seen) {
        List<String> ids = new ArrayList<>(seen.size());
        for (LastSeen s : seen) {
            ids.add(s.id());
        }
        return Collections.unmodifiableList(ids);
    }

    /** The users active within the threshold as objects, resolved in one batch, most recent first. */
    public List<OnlineUser> onlineUsers() {
        return resolve(users.recent(settings.maxCount()));
    }

    /**
     * Resolves ids with their last-seen times into users through the configured resolver, in one
     * call. A failing resolver is logged and the ids are used as names.
     */
    public List<OnlineUser> resolve(List<LastSeen> seen) {
        if (seen.isEmpty()) {
            return List.of();
        }
        Map<String, UserInfo> infos;
        try {
            infos = resolver.resolve(ids(seen));
        } catch (Exception e) {
            WARN.warn("resolver", () -> "online-now: the user resolver " + resolver.getClass().getName()
                    + " failed; showing ids as names until it answers again", e);
            infos = null;
        }
        List<OnlineUser> out = new ArrayList<>(seen.size());
        for (LastSeen s : seen) {
            UserInfo info = infos == null ? null : infos.get(s.id());
            out.add(new OnlineUser(s.id(), info == null ? s.id() : info.getName(), s.instant(),
                    info == null ? Map.of() : info.getAttributes()));
        }
        return out;
    }

    /** The display name of one user, through the resolver (the id if it knows none). */
    public String nameOf(String userId) {
        List<OnlineUser> one = resolve(List.of(new LastSeen(userId, 0)));
        return one.get(0).getName();
    }

    /** The configured resolver. */
    public UserResolver resolver() {
        return resolver;
    }

    /**
     * Takes a user off the index at once (their last session ended, or your logout code says so),
     * and tells the logout listeners.
     */
    public void logout(String userId) {
        users.remove(userId);
        for (Consumer<String> l : logoutListeners) {
            try {
                l.accept(userId);
            } catch (RuntimeException e) {
                WARN.warn("logout listener " + l.getClass().getName(), () -> "online-now: a logout listener ("
                        + l.getClass().getName() + ") failed for " + userId + "; the user is logged out anyway, "
                        + "and the other listeners were called", e);
            }
        }
    }

    /** Called with the user id whenever a user's last HttpSession ends or {@link #logout} is called. */
    public void addLogoutListener(Consumer<String> listener) {
        logoutListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** What happened since start (joins, leaves, drops, refusals, Redis failures); read by JMX and metrics. */
    public OnlineNowStats stats() {
        return stats;
    }

    /** Whether the store is up, since when it is down, whether this server counts alone. */
    public StoreHealth storeHealth() {
        return health;
    }

    /** The store behind the users' index. */
    public PresenceStore users() {
        return users;
    }

    /** The store behind the guests' index. */
    public PresenceStore guests() {
        return guests;
    }

    /** Drops expired entries now (the live layer calls this on a schedule). */
    public void sweep() {
        users.sweep();
        guests.sweep();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        BY_LOADER.values().removeIf(o -> o == this);
        unregisterMBean();
        try {
            users.close();
        } finally {
            guests.close();
        }
    }

    // --- sessions: a user leaves the index when their last HttpSession ends ----------------

    void sessionBound(SessionMarker marker) {
        if (!marker.guest()) {
            sessionsPerUser.merge(marker.key(), 1, Integer::sum);
        }
    }

    void sessionUnbound(SessionMarker marker) {
        if (marker.guest()) {
            guests.remove(marker.key());
            return;
        }
        Integer left = sessionsPerUser.compute(marker.key(), (k, n) -> n == null || n <= 1 ? null : n - 1);
        if (left == null) {
            logout(marker.key());
        }
    }

    void sessionPassivated(SessionMarker marker) {
        sessionsPerUser.computeIfPresent(marker.key(), (k, n) -> n <= 1 ? null : n - 1);
    }

    /** How many live HttpSessions a user has, as far as this node saw them bound. */
    int sessionsOf(String userId) {
        return sessionsPerUser.getOrDefault(userId, 0);
    }

    /**
     * Creates the class a class-name setting names ({@code resolver}, {@code authorizer}): a public
     * constructor taking the ServletContext is preferred (when one is given), else a no-argument one.
     *
     * @throws IllegalArgumentException naming the key and the class, when it cannot be loaded, does
     *         not implement {@code type}, or has no usable constructor
     */
    public static <T> T instantiate(String className, String key, Class<T> type, ServletContext context) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = OnlineNow.class.getClassLoader();
        }
        Class<?> c;
        try {
            c = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("online-now: bad value for '" + key + "': \"" + className
                    + "\"; no such class on the web app's class path", e);
        }
        if (!type.isAssignableFrom(c)) {
            throw new IllegalArgumentException("online-now: bad value for '" + key + "': \"" + className
                    + "\"; it does not implement " + type.getName());
        }
        try {
            if (context != null) {
                try {
                    Constructor<?> withContext = c.getConstructor(ServletContext.class);
                    return type.cast(withContext.newInstance(context));
                } catch (NoSuchMethodException ignored) {
                    // fall back to the no-argument constructor
                }
            }
            return type.cast(c.getConstructor().newInstance());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("online-now: bad value for '" + key + "': \"" + className
                    + "\"; it needs a public constructor taking nothing or the ServletContext ("
                    + (e.getCause() != null ? e.getCause() : e) + ")", e);
        }
    }
}
