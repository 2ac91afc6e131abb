package dev.onlinenow;

import dev.onlinenow.internal.RateLimitedLog;
import dev.onlinenow.internal.store.EhcachePresenceStore;
import dev.onlinenow.store.LastSeen;
import dev.onlinenow.store.PresenceStore;
import dev.onlinenow.internal.store.RecordKeeper;
import dev.onlinenow.internal.store.StoreFactory;
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
import java.util.Set;
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
    /** Hidden users, apart from {@link #users} (an id is in one of the two); null when nobody can be hidden. */
    private final PresenceStore hidden;
    /** Users this server touched as hidden last (so that a user who shows again leaves {@link #hidden}). */
    private final Set<String> hiddenHere = ConcurrentHashMap.newKeySet();
    private final List<String> seeHidden;
    /** Robots by name; null with {@code robots=false}. */
    private final PresenceStore robots;
    private final Robots robotNames;
    private final UserResolver resolver;
    private final Map<String, Integer> sessionsPerUser = new ConcurrentHashMap<>();
    private final List<Consumer<String>> logoutListeners = new CopyOnWriteArrayList<>();
    private final OnlineNowStats stats;
    private final StoreHealth health;
    private volatile OnlineRecord record = OnlineRecord.NONE;
    private volatile RecordKeeper recordKeeper; // null: the record is this server's alone
    /** Where the in-process index is saved on close and was read from at start; null: nowhere. */
    private java.nio.file.Path dataFile;
    private ObjectName mbean; // guarded by this
    private volatile boolean closed;

    private OnlineNow(OnlineNowSettings settings, PresenceStore users, PresenceStore guests, PresenceStore hidden,
                      PresenceStore robots, UserResolver resolver, OnlineNowStats stats, StoreHealth health) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.users = Objects.requireNonNull(users, "users");
        this.guests = Objects.requireNonNull(guests, "guests");
        this.hidden = hidden;
        this.seeHidden = settings.seeHidden();
        this.robots = robots;
        this.robotNames = robots == null ? null : Robots.uapCore(settings.ticker());
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
        PresenceStore guests = null;
        PresenceStore hidden = null;
        PresenceStore robots = null;
        try {
            guests = factory.create("guests", settings, stats, health);
            if (settings.hidden() != null) {
                hidden = factory.create("hidden", settings, stats, health);
            }
            if (settings.robots()) {
                robots = factory.create("robots", settings, stats, health);
            }
        } catch (RuntimeException e) {
            for (PresenceStore s : new PresenceStore[] {users, guests, hidden}) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
        OnlineNow online = new OnlineNow(settings, users, guests, hidden, robots, resolver, stats, health);
        try {
            online.recordKeeper = factory.record(settings, online::learnRecord);
        } catch (RuntimeException e) {
            online.close();
            throw e;
        }
        online.openDataFile(context);
        return online;
    }

    /**
     * Creates an index over stores and a resolver of your own (tests, benchmarks, embedding); its
     * {@link #storeHealth()} is always up.
     */
    public static OnlineNow create(OnlineNowSettings settings, PresenceStore users, PresenceStore guests,
                                  UserResolver resolver) {
        return create(settings, users, guests,
                settings.hidden() == null ? null : StoreFactory.EHCACHE.create("hidden", settings), resolver);
    }

    /** Like {@link #create(OnlineNowSettings, PresenceStore, PresenceStore, UserResolver)}, with the hidden users' store. */
    public static OnlineNow create(OnlineNowSettings settings, PresenceStore users, PresenceStore guests,
                                  PresenceStore hidden, UserResolver resolver) {
        OnlineNow online = new OnlineNow(settings, users, guests, hidden,
                settings.robots() ? StoreFactory.EHCACHE.create("robots", settings) : null,
                resolver, new OnlineNowStats(), StoreHealth.inProcess(
                users instanceof EhcachePresenceStore ? "ehcache" : users.getClass().getSimpleName()));
        online.openDataFile(null);
        return online;
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

    /**
     * Records activity of a signed-in user now, hidden or not as this server last saw them (the
     * live endpoint's activity; a request says which with {@link #touch(String, boolean)}).
     */
    public void touch(String userId) {
        if (hidden != null && !hiddenHere.isEmpty() && hiddenHere.contains(userId)) {
            hidden.touch(userId);
        } else {
            users.touch(userId);
        }
    }

    /**
     * Records activity of a signed-in user now, who hides their online status or not. A hidden
     * user counts in {@link #count()} and {@link #hiddenCount()}, and is listed only to viewers
     * who {@link #maySeeHidden may see} them. Without the {@code hidden} setting the flag is ignored.
     */
    public void touch(String userId, boolean hide) {
        if (hidden == null) {
            users.touch(userId);
        } else if (hide) {
            hidden.touch(userId);
            if (hiddenHere.add(userId)) { // they were shown, or new here
                users.remove(userId);
                if ((hiddenAdds++ & 1023) == 1023) {
                    hiddenHere.removeIf(id -> hidden.lastSeen(id).isEmpty()); // those who left
                }
            }
        } else {
            users.touch(userId);
            if (!hiddenHere.isEmpty() && hiddenHere.contains(userId) && hiddenHere.remove(userId)) { // hid until now
                hidden.remove(userId);
            }
        }
    }

    private int hiddenAdds; // racy on purpose: only paces the clean-up of hiddenHere

    // --- where people are ----------------------------------------------------------------

    /** The longest location kept; a longer one is cut. */
    public static final int MAX_LOCATION_CHARS = 200;

    /**
     * Records where a user or guest ({@value #GUEST_PREFIX}...) is now, if online: a path inside
     * the web app, or a page's own label ({@code topic:42}). Nothing is written when they are
     * there already. A location longer than {@value #MAX_LOCATION_CHARS} characters is cut.
     */
    public void locate(String id, String location) {
        if (id == null || location == null || location.isEmpty()) {
            return;
        }
        String at = location.length() > MAX_LOCATION_CHARS ? location.substring(0, MAX_LOCATION_CHARS) : location;
        PresenceStore store = id.startsWith(GUEST_PREFIX) ? guests
                : hidden != null && !hiddenHere.isEmpty() && hiddenHere.contains(id) ? hidden : users;
        store.locate(id, at);
    }

    /** People (users, hidden ones too, and guests) online whose last location is {@code location}; exact. */
    public long viewerCount(String location) {
        if (location == null) {
            return 0;
        }
        long n = users.countAt(location) + guests.countAt(location);
        return hidden == null ? n : n + hidden.countAt(location);
    }

    /**
     * The users online whose last location is {@code location}, most recent first, at most
     * {@code maxCount}, resolved; hidden ones only for a viewer who may see them (or themself),
     * marked hidden.
     */
    public List<OnlineUser> viewers(String location, jakarta.servlet.http.HttpServletRequest viewer) {
        if (location == null) {
            return List.of();
        }
        int max = settings.maxCount();
        List<LastSeen> shown = users.recentAt(location, max);
        if (hidden == null || viewer == null || hidden.countAt(location) == 0) {
            return resolve(shown);
        }
        List<LastSeen> hiddenThere = hidden.recentAt(location, max);
        if (!maySeeHidden(viewer)) {
            String self = settings.userId().userId(viewer);
            hiddenThere = hiddenThere.stream().filter(s -> s.id().equals(self)).toList();
        }
        if (hiddenThere.isEmpty()) {
            return resolve(shown);
        }
        List<LastSeen> all = new ArrayList<>(shown);
        all.addAll(hiddenThere);
        all.sort((a, b) -> Long.compare(b.epochMilli(), a.epochMilli()));
        return resolve(all.size() > max ? all.subList(0, max) : all, new java.util.HashSet<>(ids(hiddenThere)));
    }

    // --- nothing forgotten on a restart ---------------------------------------------------

    /*
     * The in-process index is saved when the index closes (the web app stops) and read back when
     * it starts, in dataDir (by default the context's temp dir, which containers keep across
     * restarts and redeploys of the same app). Redis keeps its own. A file that cannot be read
     * is a WARN and an empty start, never a failed start-up: who was online is worth less than
     * the app starting.
     */
    private void openDataFile(ServletContext context) {
        if (!(users instanceof EhcachePresenceStore) || !(guests instanceof EhcachePresenceStore)) {
            return; // Redis keeps the index; a store of the app's own keeps what it keeps
        }
        java.nio.file.Path dir = dataDir(settings, context);
        if (dir == null) {
            return;
        }
        dataFile = dir.resolve(dev.onlinenow.internal.store.IndexFile.NAME);
        dev.onlinenow.internal.store.IndexFile.deleteLeftovers(dataFile); // of a save killed midway
        load();
    }

    /** The directory of the {@code dataDir} setting, or null: none, or the default without a context's temp dir. */
    static java.nio.file.Path dataDir(OnlineNowSettings settings, ServletContext context) {
        String dir = settings.dataDir();
        if (OnlineNowSettings.NO_DATA_DIR.equalsIgnoreCase(dir == null ? "" : dir.trim())) {
            return null;
        }
        if (dir != null) {
            return java.nio.file.Path.of(dir);
        }
        if (context == null) {
            return null;
        }
        Object temp = context.getAttribute(ServletContext.TEMPDIR);
        if (temp == null) {
            temp = context.getAttribute("javax" + ".servlet.context.tempdir"); // the javax build's containers
        }
        if (temp instanceof java.io.File f) {
            return f.toPath();
        }
        return temp instanceof java.nio.file.Path p ? p : null;
    }

    /*
     * While the app runs, a marker file beside the index says so; a clean stop saves the index and
     * removes it. So a start that finds no index tells a first start (no marker: INFO) from a run
     * that ended without saving, a killed JVM (the marker: WARN).
     */
    private java.nio.file.Path runningMarker() {
        return dataFile.resolveSibling(dataFile.getFileName() + ".running");
    }

    private void markRunning() {
        try {
            // a dataDir that does not exist yet is made now, not at the first save: else a JVM
            // killed before its first stop would look like a first start (StockTomcatRestartIT)
            java.nio.file.Files.createDirectories(dataFile.toAbsolutePath().getParent());
            java.nio.file.Files.writeString(runningMarker(), "online-now runs here; removed when it stops cleanly\n");
        } catch (java.io.IOException e) {
            LOG.log(Level.DEBUG, () -> "online-now: could not write " + runningMarker() + ": " + e);
        }
    }

    private void load() {
        long started = System.nanoTime();
        if (!java.nio.file.Files.exists(dataFile)) {
            if (java.nio.file.Files.exists(runningMarker())) {
                LOG.log(Level.WARNING, "online-now: starting with an empty index: the last run with " + dataFile
                        + " did not stop cleanly (the JVM was killed or crashed), so nothing was saved");
            } else {
                LOG.log(Level.INFO, "online-now: starting with an empty index: " + dataFile
                        + " is not there yet (a first start); it is saved there when the app stops");
            }
            markRunning();
            return;
        }
        dev.onlinenow.internal.store.IndexFile.Contents c;
        try {
            c = dev.onlinenow.internal.store.IndexFile.read(dataFile);
        } catch (dev.onlinenow.internal.store.IndexFile.Problem p) {
            LOG.log(Level.WARNING, "online-now: starting with an empty index: the saved index " + dataFile + ": "
                    + p.getMessage());
            markRunning();
            return;
        }
        int[] restored = new int[4];
        restore(c.sections().get("users"), (EhcachePresenceStore) users, restored, 0, false);
        PresenceStore hiddenTarget = hidden != null ? hidden : users; // hiding turned off: they show
        restore(c.sections().get("hidden"), (EhcachePresenceStore) hiddenTarget, restored, 1, hidden != null);
        if (settings.trackAnonymous()) {
            restore(c.sections().get("guests"), (EhcachePresenceStore) guests, restored, 2, false);
        }
        if (robots instanceof EhcachePresenceStore r) {
            restore(c.sections().get("robots"), r, restored, 3, false);
        }
        if (c.recordCount() > 0) {
            learnRecord(c.recordCount(), c.recordAt());
        }
        try {
            java.nio.file.Files.deleteIfExists(dataFile); // read once: a crash later must not bring back these
        } catch (java.io.IOException e) {
            LOG.log(Level.WARNING, "online-now: could not delete the saved index " + dataFile + " after reading it (" + e
                    + "); it is overwritten when the app stops");
        }
        markRunning();
        LOG.log(Level.INFO, "online-now: restored " + restored[0] + " users, " + restored[1] + " hidden users, "
                + restored[2] + " guests and " + restored[3] + " robots still within the threshold, and the record ("
                + record + "), from " + dataFile + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
    }

    private void restore(List<LastSeen> entries, EhcachePresenceStore into, int[] counts, int slot, boolean hide) {
        if (entries == null) {
            return;
        }
        long before = into.count();
        for (LastSeen s : entries) { // oldest first
            into.restore(s.id(), s.epochMilli(), s.location());
            if (hide) {
                hiddenHere.add(s.id());
            }
        }
        counts[slot] += (int) (into.count() - before);
    }

    /** Saves the in-process index and the record to {@code dataDir} (atomically); a failure is a WARN. */
    private void save() {
        if (dataFile == null) {
            return;
        }
        long started = System.nanoTime();
        try {
            int max = settings.maxTracked();
            Map<String, List<LastSeen>> sections = new TreeMap<>();
            sections.put("users", users.recent(max));
            sections.put("guests", guests.recent(max));
            if (hidden != null) {
                sections.put("hidden", hidden.recent(max));
            }
            if (robots != null) {
                sections.put("robots", robots.recent(max));
            }
            OnlineRecord r = record;
            dev.onlinenow.internal.store.IndexFile.write(dataFile, settings.clock().millis(), r.getCount(), r.getMillis(), sections);
            java.nio.file.Files.deleteIfExists(runningMarker()); // a clean stop
            int n = 0;
            for (List<LastSeen> l : sections.values()) {
                n += l.size();
            }
            LOG.log(Level.INFO, "online-now: saved the index (" + n + " entries) and the record to " + dataFile + " in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms");
        } catch (java.io.IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "online-now: could not save the index to " + dataFile + " (" + e
                    + "); the next start begins empty", e);
        }
    }

    /** The file the in-process index is saved to, or null (for tests and the docs' examples). */
    public java.nio.file.Path dataFile() {
        return dataFile;
    }

    // --- the record: the most people online at once -------------------------------------

    /**
     * The most people (users and guests; robots not) ever online at once, and when; kept across
     * restarts ({@code dataDir}, or Redis with {@code store=redis}). The same object until raised.
     */
    public OnlineRecord record() {
        return record;
    }

    /**
     * Raises the record if {@code people} (users and guests online now) beats it: one comparison
     * when it does not. The filter calls it with the counts it exposes.
     */
    public void noteCount(long people) {
        if (people > record.getCount()) {
            raise(people);
        }
    }

    private void raise(long people) {
        OnlineRecord raised = null;
        synchronized (this) {
            if (people > record.getCount()) {
                raised = new OnlineRecord(people, settings.clock().millis());
                record = raised;
            }
        }
        RecordKeeper k = recordKeeper;
        if (raised != null && k != null) {
            k.offer(raised.getCount(), raised.getMillis());
        }
    }

    /** A record learnt from elsewhere (another server, a saved file): kept if it beats this one. */
    synchronized void learnRecord(long count, long epochMilli) {
        OnlineRecord r = new OnlineRecord(count, epochMilli);
        if (r.beats(record)) {
            record = r;
        }
    }

    // --- robots: counted by name, never as users or guests -------------------------------

    /**
     * The robot name of a request's User-Agent ({@code Googlebot}), or null when it is no robot
     * or {@code robots=false}. Each distinct User-Agent is classified once (a bounded table).
     */
    public String robotOf(String userAgent) {
        return robotNames == null ? null : robotNames.nameOf(userAgent);
    }

    /** Records activity of the robot of this name now. */
    public void touchRobot(String name) {
        if (robots != null) {
            robots.touch(name);
        }
    }

    /** Robots (by name) active within the threshold; 0 with {@code robots=false}. */
    public long robotCount() {
        return robots == null ? 0 : robots.count();
    }

    /** Names of the robots active within the threshold, most recent first, at most {@code limit}. */
    public List<String> recentRobots(int limit) {
        return robots == null ? List.of() : ids(robots.recent(limit));
    }

    /** Whether hiding is configured (the {@code hidden} setting). */
    public boolean hidingEnabled() {
        return hidden != null;
    }

    /**
     * Whether the viewer making this request may see hidden users: a member of a {@code seeHidden}
     * role. (A hidden user always sees themself, whatever this says.)
     */
    public boolean maySeeHidden(jakarta.servlet.http.HttpServletRequest viewer) {
        if (viewer == null) {
            return false;
        }
        for (String role : seeHidden) {
            if (viewer.isUserInRole(role)) {
                return true;
            }
        }
        return false;
    }

    /** The number of hidden users online (they are counted in {@link #count()} too); 0 without {@code hidden}. */
    public long hiddenCount() {
        return hidden == null ? 0 : hidden.count();
    }

    /** The hidden users online, most recent first, at most {@code limit}: for viewers who may see them. */
    public List<LastSeen> recentHidden(int limit) {
        return hidden == null ? List.of() : hidden.recent(limit);
    }

    /** When a hidden user was last active, if within the threshold: for viewers who may see them. */
    public Optional<Instant> lastSeenHidden(String userId) {
        return hidden == null || userId == null ? Optional.empty() : hidden.lastSeen(userId);
    }

    /**
     * Whether the user is online as this viewer may know it: a hidden user is online only to a
     * viewer who {@link #maySeeHidden may see hidden users}, and to themself.
     */
    public boolean isOnline(String userId, jakarta.servlet.http.HttpServletRequest viewer) {
        return lastSeen(userId, viewer).isPresent();
    }

    /** When the user was last active, as this viewer may know it (see {@link #isOnline(String, jakarta.servlet.http.HttpServletRequest)}). */
    public Optional<Instant> lastSeen(String userId, jakarta.servlet.http.HttpServletRequest viewer) {
        Optional<Instant> shown = lastSeen(userId);
        if (shown.isPresent() || hidden == null || viewer == null || hidden.count() == 0) {
            return shown;
        }
        Optional<Instant> at = hidden.lastSeen(userId);
        if (at.isEmpty()) {
            return at;
        }
        return maySeeHidden(viewer) || userId.equals(settings.userId().userId(viewer)) ? at : Optional.empty();
    }

    /* The request whose page is being rendered on this thread, for the EL functions (set by the
     * filter around the chain when hiding is on; null elsewhere). */
    private static final ThreadLocal<jakarta.servlet.http.HttpServletRequest> VIEWER = new ThreadLocal<>();

    /** The viewer of the EL functions on this thread; the previous one, to give back to {@link #viewerDone}. */
    static jakarta.servlet.http.HttpServletRequest viewing(jakarta.servlet.http.HttpServletRequest request) {
        jakarta.servlet.http.HttpServletRequest previous = VIEWER.get();
        VIEWER.set(request);
        return previous;
    }

    static void viewerDone(jakarta.servlet.http.HttpServletRequest previous) {
        VIEWER.set(previous); // not remove(): set() after remove() allocates a new entry each request
    }

    static jakarta.servlet.http.HttpServletRequest viewer() {
        return VIEWER.get();
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

    /**
     * True if {@code userId} was active within the threshold, as anyone may know it: a hidden user
     * is not online here (see {@link #isOnline(String, jakarta.servlet.http.HttpServletRequest)}).
     */
    public boolean isOnline(String userId) {
        return userId != null && users.lastSeen(userId).isPresent();
    }

    /** When {@code userId} was last active, if within the threshold; empty for a hidden user. */
    public Optional<Instant> lastSeen(String userId) {
        return userId == null ? Optional.empty() : users.lastSeen(userId);
    }

    /**
     * The exact number of users active within the threshold (not capped by {@code maxCount}),
     * hidden ones included.
     */
    public long count() {
        return hidden == null ? users.count() : users.count() + hidden.count();
    }

    /** The number of guests active within the threshold (0 unless {@code trackAnonymous}). */
    public long guestCount() {
        return guests.count();
    }

    /** The users active within the threshold, most recent first, at most {@code limit}; hidden ones not. */
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
        return resolve(seen, Set.of());
    }

    /** Like {@link #resolve(List)}; the users whose ids are in {@code hiddenIds} are marked hidden. */
    public List<OnlineUser> resolve(List<LastSeen> seen, Set<String> hiddenIds) {
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
                    info == null ? Map.of() : info.getAttributes(), s.location(), hiddenIds.contains(s.id())));
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
        if (hidden != null) {
            hidden.remove(userId);
            hiddenHere.remove(userId);
        }
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
        if (hidden != null) {
            hidden.sweep();
        }
        if (robots != null) {
            robots.sweep();
        }
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
        save();
        RecordKeeper k = recordKeeper;
        if (k != null) {
            try {
                k.close();
            } catch (RuntimeException e) {
                WARN.warn("record keeper", () -> "online-now: closing the record's keeper failed", e);
            }
        }
        try {
            users.close();
        } finally {
            try {
                guests.close();
            } finally {
                try {
                    if (hidden != null) {
                        hidden.close();
                    }
                } finally {
                    if (robots != null) {
                        robots.close();
                    }
                }
            }
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
