package dev.onlinenow;

import dev.onlinenow.live.LivePresence;
import jakarta.servlet.ServletContext;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@link OnlineNowMBean} of one web app, and its registration: {@link OnlineNow#install}
 * registers it, {@link OnlineNow#uninstall} and {@link OnlineNow#close} unregister it.
 *
 * <p>The name is {@code dev.onlinenow:type=OnlineNow,context=PATH} (CONTRACT.md, section 6).
 * Two web apps with the same context path in one JVM (two virtual hosts, two embedded servers) get
 * the second one the key {@code instance=2} (3, ...) added, with a WARN naming both: the app
 * starts whatever JMX says.
 */
final class OnlineNowJmx implements OnlineNowMBean {

    static final String DOMAIN = "dev.onlinenow";
    private static final System.Logger LOG = System.getLogger(OnlineNowJmx.class.getName());
    private static final int MAX_INSTANCES = 100;

    private final OnlineNow online;
    private final ServletContext context;
    private final String contextPath;

    private OnlineNowJmx(OnlineNow online, ServletContext context, String contextPath) {
        this.online = online;
        this.context = context;
        this.contextPath = contextPath;
    }

    /** The MBean name for a context path as the container gives it ({@code ""} is the root). */
    static ObjectName name(String contextPath, int instance) {
        String path = contextPath == null || contextPath.isEmpty() ? "/" : contextPath;
        String value = needsQuoting(path) ? ObjectName.quote(path) : path;
        try {
            return new ObjectName(DOMAIN + ":type=OnlineNow,context=" + value + (instance > 1 ? ",instance=" + instance : ""));
        } catch (MalformedObjectNameException e) {
            return nameQuoted(path, instance);
        }
    }

    private static ObjectName nameQuoted(String path, int instance) {
        try {
            return new ObjectName(DOMAIN + ":type=OnlineNow,context=" + ObjectName.quote(path)
                    + (instance > 1 ? ",instance=" + instance : ""));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static boolean needsQuoting(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\n' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    /**
     * Registers the bean of {@code online} for this web app; null (and a WARN) if JMX refuses it.
     * Never fails the web app's start.
     */
    static ObjectName register(OnlineNow online, ServletContext context) {
        String path = context.getContextPath();
        if (path == null) {
            return null; // not a container's context (a test double): nothing to name it by
        }
        String shown = path.isEmpty() ? "/" : path;
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        OnlineNowJmx bean = new OnlineNowJmx(online, context, shown);
        try {
            StandardMBean mbean = new StandardMBean(bean, OnlineNowMBean.class);
            for (int instance = 1; instance <= MAX_INSTANCES; instance++) {
                ObjectName name = name(path, instance);
                try {
                    server.registerMBean(mbean, name);
                    if (instance > 1) {
                        LOG.log(Level.WARNING, "online-now: the JMX name " + name(path, 1) + " is taken by another "
                                + "web app with the same context path in this JVM; this one is registered as " + name);
                    }
                    return name;
                } catch (InstanceAlreadyExistsException taken) {
                    // try the next instance number
                }
            }
            LOG.log(Level.WARNING, "online-now: " + MAX_INSTANCES + " JMX names for context " + shown
                    + " are taken; this web app has no MBean (it runs as usual)");
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.WARNING, "online-now: cannot register the MBean of context " + shown + " (" + e
                    + "); the web app runs as usual, without it");
        }
        return null;
    }

    static void unregister(ObjectName name) {
        if (name == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (InstanceNotFoundException gone) {
            // someone unregistered it already
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.WARNING, "online-now: cannot unregister the MBean " + name + " (" + e
                    + "); it stays in JMX until the JVM stops");
        }
    }

    private LivePresence live() {
        try {
            Object o = context.getAttribute(LivePresence.CONTEXT_ATTRIBUTE);
            return o instanceof LivePresence ? (LivePresence) o : null;
        } catch (LinkageError | RuntimeException noLiveLayer) {
            return null; // no WebSocket API here: no live layer either
        }
    }

    @Override
    public String getContextPath() {
        return contextPath;
    }

    @Override
    public long getOnlineCount() {
        return online.isClosed() ? 0 : online.count();
    }

    @Override
    public long getGuestCount() {
        return online.isClosed() ? 0 : online.guestCount();
    }

    @Override
    public int getLiveConnections() {
        LivePresence live = live();
        return live == null ? 0 : live.connections();
    }

    @Override
    public int getLiveRooms() {
        LivePresence live = live();
        return live == null ? 0 : live.localRooms();
    }

    @Override
    public boolean isStoreHealthy() {
        return online.storeHealth().isUp();
    }

    @Override
    public String getStore() {
        return online.storeHealth().store();
    }

    @Override
    public String getStoreDownSince() {
        return online.storeHealth().downSince().map(Object::toString).orElse(null);
    }

    @Override
    public String getStoreDownCause() {
        return online.storeHealth().cause();
    }

    @Override
    public int getNodesAlive() {
        return online.storeHealth().nodesAlive();
    }

    @Override
    public long getJoins() {
        return online.stats().joins();
    }

    @Override
    public long getLeaves() {
        return online.stats().leaves();
    }

    @Override
    public Map<String, Long> getLeavesByReason() {
        Map<String, Long> out = new TreeMap<>();
        for (OnlineNowStats.LeaveReason r : OnlineNowStats.LeaveReason.values()) {
            out.put(r.tag(), online.stats().leaves(r));
        }
        return out;
    }

    @Override
    public long getConnectionsDropped() {
        return online.stats().drops();
    }

    @Override
    public Map<String, Long> getConnectionsDroppedByReason() {
        Map<String, Long> out = new TreeMap<>();
        for (OnlineNowStats.DropReason r : OnlineNowStats.DropReason.values()) {
            out.put(r.tag(), online.stats().drops(r));
        }
        return out;
    }

    @Override
    public long getFramesRefused() {
        return online.stats().refusals();
    }

    @Override
    public Map<String, Long> getFramesRefusedByCode() {
        return new TreeMap<>(online.stats().refusalsByCode());
    }

    @Override
    public long getRedisFailures() {
        return online.stats().redisFailures();
    }

    @Override
    public Map<String, Long> getPubSubReceivedByKind() {
        Map<String, Long> out = new java.util.TreeMap<>();
        if (online.settings().store() == OnlineNowSettings.StoreKind.REDIS) {
            for (OnlineNowStats.PubSubKind k : OnlineNowStats.PubSubKind.values()) {
                out.put(k.tag(), online.stats().pubSubReceived(k));
            }
        }
        return out;
    }

    @Override
    public long getPubSubDropped() {
        return online.stats().pubSubDropped();
    }
}
