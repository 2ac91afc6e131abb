package dev.onlinenow;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.Principal;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a user's id comes from: the container's principal, or an HttpSession attribute as
 * classic apps with their own login keep it ({@code session:user}); a JavaBean property of that
 * attribute may be named too ({@code session:user.id}).
 *
 * <p>The filter and the live endpoint use the same source, so a user is one id everywhere.
 *
 * <p>An id that begins with {@value OnlineNow#GUEST_PREFIX} is reserved for guests and is not a
 * user id: a request or handshake that carries one is anonymous (a WARN says so, once). So no
 * signed-in user's id can equal a guest's, whatever ids an app hands out.
 */
public final class UserIdSource {

    private static final UserIdSource PRINCIPAL = new UserIdSource(null, null, null);
    private static final System.Logger LOG = System.getLogger(UserIdSource.class.getName());
    private static final AtomicBoolean WARNED_RESERVED = new AtomicBoolean();

    private final String attribute;
    private final String property;
    /** The source to ask when this one has no id ({@code session:user,principal}), or null. */
    private final UserIdSource fallback;
    private final Map<Class<?>, MethodHandle> getters = new ConcurrentHashMap<>();

    private UserIdSource(String attribute, String property, UserIdSource fallback) {
        this.attribute = attribute;
        this.property = property;
        this.fallback = fallback;
    }

    /** The id is {@link Principal#getName()} (for a request, {@code getRemoteUser()}). */
    public static UserIdSource principal() {
        return PRINCIPAL;
    }

    /** The id is the HttpSession attribute {@code name} (its string form). */
    public static UserIdSource sessionAttribute(String name) {
        return parse("session:" + name);
    }

    /**
     * Parses {@code principal}, {@code session:NAME} or {@code session:NAME.property}, or several
     * of them separated by commas, tried in order ({@code session:user,principal}: the app's own
     * login first, then container authentication).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static UserIdSource parse(String spec) {
        if (spec == null) {
            throw new OnlineNowSettings.BadValue("null");
        }
        String[] parts = spec.split(",");
        UserIdSource chain = null;
        for (int i = parts.length - 1; i >= 0; i--) {
            UserIdSource one = parseOne(parts[i]);
            chain = chain == null ? one : new UserIdSource(one.attribute, one.property, chain);
        }
        if (chain == null) {
            throw new OnlineNowSettings.BadValue("empty");
        }
        return chain;
    }

    private static UserIdSource parseOne(String spec) {
        String s = spec.trim();
        if (s.equalsIgnoreCase("principal")) {
            return PRINCIPAL;
        }
        if (s.toLowerCase(Locale.ROOT).startsWith("session:")) {
            String rest = s.substring("session:".length());
            int dot = rest.indexOf('.');
            String name = dot < 0 ? rest : rest.substring(0, dot);
            String prop = dot < 0 ? null : rest.substring(dot + 1);
            if (name.isEmpty() || (prop != null && !prop.matches("[A-Za-z_$][A-Za-z0-9_$]*"))) {
                throw new OnlineNowSettings.BadValue("bad session attribute");
            }
            return new UserIdSource(name, prop, null);
        }
        throw new OnlineNowSettings.BadValue("unknown user id source");
    }

    /** True when ids come from the principal only. */
    /** The HttpSession attributes this source reads, in order (empty for {@code principal} alone). */
    public java.util.List<String> sessionAttributes() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (UserIdSource s = this; s != null; s = s.fallback) {
            if (s.attribute != null) {
                out.add(s.attribute);
            }
        }
        return out;
    }

    public boolean isPrincipal() {
        return attribute == null && fallback == null;
    }

    /** The id of the user making this request, or null for an anonymous one. */
    public String userId(HttpServletRequest request) {
        return userIdOf(request, attribute == null && fallback == null ? null : request.getSession(false));
    }

    /** Like {@link #userId(HttpServletRequest)}, with the request's session already looked up (or null). */
    String userIdOf(HttpServletRequest request, HttpSession session) {
        String id;
        if (attribute == null) {
            id = usable(request.getRemoteUser());
        } else {
            id = session == null ? null : fromSession(session);
        }
        return id != null || fallback == null ? id : fallback.userIdOf(request, session);
    }

    /**
     * The id from what a WebSocket handshake offers: its principal and its HttpSession (either may
     * be null).
     */
    public String userId(Principal principal, HttpSession session) {
        String id;
        if (attribute == null) {
            id = principal == null ? null : usable(principal.getName());
        } else {
            id = session == null ? null : fromSession(session);
        }
        return id != null || fallback == null ? id : fallback.userId(principal, session);
    }

    private String fromSession(HttpSession session) {
        Object value;
        try {
            value = session.getAttribute(attribute);
        } catch (IllegalStateException invalidated) {
            return null;
        }
        if (value == null) {
            return null;
        }
        if (property != null) {
            value = read(value);
            if (value == null) {
                return null;
            }
        }
        return usable(value.toString());
    }

    private Object read(Object bean) {
        MethodHandle getter = getters.computeIfAbsent(bean.getClass(), this::findGetter);
        try {
            return getter.invoke(bean);
        } catch (Throwable e) {
            throw new IllegalStateException("online-now: cannot read property '" + property + "' of session attribute '"
                    + attribute + "' (" + bean.getClass().getName() + ")", e);
        }
    }

    private MethodHandle findGetter(Class<?> type) {
        String cap = Character.toUpperCase(property.charAt(0)) + property.substring(1);
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        for (String name : new String[] {"get" + cap, "is" + cap, property}) {
            try {
                return lookup.findVirtual(type, name, MethodType.methodType(Object.class)).asType(
                        MethodType.methodType(Object.class, Object.class));
            } catch (ReflectiveOperationException ignored) {
                // fall through to the typed lookup below
            }
            try {
                java.lang.reflect.Method m = type.getMethod(name);
                return lookup.unreflect(m).asType(MethodType.methodType(Object.class, Object.class));
            } catch (ReflectiveOperationException ignored) {
                // try the next name
            }
        }
        throw new IllegalStateException("online-now: session attribute '" + attribute + "' (" + type.getName()
                + ") has no public getter for property '" + property + "'");
    }

    /** {@code s} as a user id: null when blank, or reserved for guests. */
    private static String usable(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        if (s.startsWith(OnlineNow.GUEST_PREFIX)) {
            if (WARNED_RESERVED.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "online-now: a user id begins with \"" + OnlineNow.GUEST_PREFIX
                        + "\", which is reserved for guests; such a request counts as anonymous (logged once)");
            }
            return null;
        }
        return s;
    }

    /** True for one {@code session:NAME} or {@code session:NAME.property}, without {@code principal} or a fallback. */
    boolean isOneSessionAttribute() {
        return attribute != null && fallback == null;
    }

    /**
     * The value this source reads from the session, before it is made an id (for the {@code hidden}
     * setting, which reads a flag the way {@code userId} reads an id); null when there is none or
     * the session was invalidated.
     */
    Object valueIn(HttpSession session) {
        Object value;
        try {
            value = session.getAttribute(attribute);
        } catch (IllegalStateException invalidated) {
            return null;
        }
        return value == null || property == null ? value : read(value);
    }

    @Override
    public String toString() {
        String self = attribute == null ? "principal" : "session:" + attribute + (property == null ? "" : "." + property);
        return fallback == null ? self : self + "," + fallback;
    }
}
