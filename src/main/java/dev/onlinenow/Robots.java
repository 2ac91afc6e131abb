package dev.onlinenow;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Which User-Agents are robots (crawlers, spiders, link previewers), and their names
 * ({@code Googlebot}, {@code bingbot}, {@code GPTBot}...).
 *
 * <p>The patterns are not ours: they are the ua-parser project's (uap-core's {@code regexes.yaml},
 * as bundled in {@code com.github.ua-parser:uap-java}; docs/community.md says how to update it).
 * A User-Agent is a robot when uap-core's device patterns call its device {@code Spider}; its name
 * is uap-core's user-agent family ({@code Other} becomes {@code robot}).
 *
 * <p>Classifying one User-Agent runs hundreds of regular expressions (about half a millisecond),
 * so each distinct User-Agent is classified once and remembered in a bounded table, and at most
 * {@value #CLASSIFY_PER_SECOND} new ones are classified a second: a client sending a new made-up
 * User-Agent with each request costs the server at most that much CPU, never the other users;
 * beyond it a User-Agent counts as no robot (and is classified when it comes again).
 */
final class Robots {

    /** The longest prefix of a User-Agent that is looked at (longer ones are cut). */
    static final int MAX_AGENT_CHARS = 512;
    /** Distinct User-Agents remembered; when full, the table starts again empty. */
    static final int CACHE_SIZE = 4096;
    /** New User-Agents classified per second, at most. */
    static final int CLASSIFY_PER_SECOND = 256;
    /** The longest robot name kept. */
    static final int MAX_NAME_CHARS = 64;

    private static final String NO_ROBOT = "";
    private final UnaryOperator<String> classifier;
    private final Ticker ticker;
    private final ConcurrentHashMap<String, String> known = new ConcurrentHashMap<>();
    private final AtomicInteger classified = new AtomicInteger();
    /** Set when the patterns could not be loaded (uap-java or SnakeYAML missing): nobody is a robot. */
    private volatile boolean unavailable;
    private volatile long second = Long.MIN_VALUE;

    /**
     * @param classifier a User-Agent's robot name, or null when it is no robot
     * @param ticker     the time source of the classification budget
     */
    Robots(UnaryOperator<String> classifier, Ticker ticker) {
        this.classifier = classifier;
        this.ticker = ticker;
    }

    /**
     * With uap-core's patterns, loaded here, once per class loader (about half a second and 6 MB),
     * so that no request waits for them. Without uap-java on the class path (a WEB-INF/lib put
     * together by hand), or with patterns it cannot read, nobody counts as a robot and one WARN
     * says why: the filter goes on counting users and guests.
     */
    static Robots uapCore(Ticker ticker) {
        try {
            UapCore.load();
            return new Robots(UapCore::robotName, ticker);
        } catch (LinkageError | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "online-now: robots=true, but the crawler patterns could not be "
                    + "loaded (" + e + "); no request counts as a robot. Put uap-java (com.github.ua-parser:uap-java) "
                    + "and its snakeyaml in WEB-INF/lib, or set robots=false");
            return new Robots(userAgent -> null, ticker);
        }
    }

    private static final System.Logger LOG = System.getLogger(Robots.class.getName());

    /** The robot name of this User-Agent, or null when it is no robot (or has none). */
    String nameOf(String userAgent) {
        if (userAgent == null || userAgent.isEmpty()) {
            return null;
        }
        if (unavailable) {
            return null;
        }
        String key = userAgent.length() > MAX_AGENT_CHARS ? userAgent.substring(0, MAX_AGENT_CHARS) : userAgent;
        String name = known.get(key);
        if (name == null) {
            if (!mayClassify()) {
                return null;
            }
            String found;
            try {
                found = classifier.apply(key);
            } catch (LinkageError missing) {
                // a web app that ships online-now's jar without its dependencies: the request goes on
                unavailable = true;
                LOG.log(System.Logger.Level.WARNING, "online-now: robots are not recognised: robots=true needs "
                        + "com.github.ua-parser:uap-java and org.yaml:snakeyaml beside online-now in WEB-INF/lib ("
                        + missing + "); set robots=false to say so, or add them", missing);
                return null;
            } catch (RuntimeException | StackOverflowError hostile) {
                found = null; // a User-Agent the patterns choke on is no robot (and costs this once)
            }
            name = found == null ? NO_ROBOT : clean(found);
            if (known.size() >= CACHE_SIZE) {
                known.clear();
            }
            known.put(key, name);
        }
        return name.isEmpty() ? null : name;
    }

    /** How many User-Agents are remembered (for tests). */
    int remembered() {
        return known.size();
    }

    private boolean mayClassify() {
        long now = ticker.nanos() / 1_000_000_000L;
        if (now != second) {
            second = now;
            classified.set(0);
        }
        return classified.incrementAndGet() <= CLASSIFY_PER_SECOND;
    }

    /* A name comes from the User-Agent, which its sender writes: no control characters, bounded. */
    static String clean(String name) {
        StringBuilder b = new StringBuilder(Math.min(name.length(), MAX_NAME_CHARS));
        for (int i = 0; i < name.length() && b.length() < MAX_NAME_CHARS; i++) {
            char c = name.charAt(i);
            if (!Character.isISOControl(c)) {
                b.append(c);
            }
        }
        String s = b.toString().trim();
        return s.isEmpty() || s.equals("Other") ? "robot" : s;
    }

    /** uap-core's patterns, loaded by {@link #uapCore}. */
    private static final class UapCore {
        private static final ua_parser.Parser PARSER = new ua_parser.Parser();

        /** Loads the patterns (this class's initialisation), or throws what stopped it. */
        static void load() {
            PARSER.getClass();
        }

        static String robotName(String userAgent) {
            if (!"Spider".equals(PARSER.parseDevice(userAgent).family)) {
                return null;
            }
            return PARSER.parseUserAgent(userAgent).family;
        }
    }
}
