package dev.onlinenow;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.Principal;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a user's id comes from: the container's principal, or an HttpSession attribute as
 * classic apps with their own login keep it ({@code session:user}); a JavaBean property of that
 * attribute may be named too, at any depth ({@code session:user.id},
 * {@code session:SPRING_SECURITY_CONTEXT.authentication.name}).
 *
 * <p>The filter and the live endpoint use the same source, so a user is one id everywhere.
 *
 * <p><b>{@code principal} and Spring Security.</b> {@code principal} is
 * {@code request.getRemoteUser()} (at a handshake, the principal's name). Spring Security does not
 * use container login: it answers {@code getRemoteUser()} only inside its own filter chain, by
 * wrapping the request, so a filter mapped before {@code springSecurityFilterChain} would see
 * nobody. When {@code getRemoteUser()} is null, {@code principal} therefore also reads the
 * {@code SecurityContext} Spring Security keeps in the HttpSession (attribute
 * {@value #SPRING_SECURITY_CONTEXT}): an authenticated, non-anonymous {@code Authentication}'s
 * {@code getName()}, which is what Spring's request wrapper answers as the remote user, so the id is
 * the same whichever filter runs first. This needs no Spring class: the properties are read
 * through public getters, looked up once per class. An app that keeps its context elsewhere (a
 * stateless token, no session) must map {@code OnlineNowFilter} after the security filter.
 *
 * <p>Property reads are safe: only public no-argument getters ({@code getX}, {@code isX} or
 * {@code x}) of public types are called, looked up once per class and level and cached (a missing
 * getter is logged once and reads as no id); a null anywhere on the way is no id.
 *
 * <p>An id that begins with {@value OnlineNow#GUEST_PREFIX} is reserved for guests and is not a
 * user id: a request or handshake that carries one is anonymous (a WARN says so, once). So no
 * signed-in user's id can equal a guest's, whatever ids an app hands out.
 */
public final class UserIdSource {

    /** The HttpSession attribute under which Spring Security keeps a signed-in user's context. */
    public static final String SPRING_SECURITY_CONTEXT = "SPRING_SECURITY_CONTEXT";

    private static final UserIdSource PRINCIPAL = new UserIdSource(null, null, null);
    private static final System.Logger LOG = System.getLogger(UserIdSource.class.getName());
    private static final AtomicBoolean WARNED_RESERVED = new AtomicBoolean();
    private static final java.util.regex.Pattern IDENTIFIER = java.util.regex.Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");

    /* Spring Security's context as principal reads it: SecurityContext.getAuthentication(), then
     * Authentication.isAuthenticated() and getName(). */
    private static final Property SPRING_AUTHENTICATION = new Property(SPRING_SECURITY_CONTEXT, "authentication");
    private static final Property SPRING_AUTHENTICATED = new Property(SPRING_SECURITY_CONTEXT, "authenticated");
    private static final Property SPRING_NAME = new Property(SPRING_SECURITY_CONTEXT, "name");
    private static final String SPRING_ANONYMOUS = "org.springframework.security.authentication.AnonymousAuthenticationToken";

    private final String attribute;
    /** The properties read, in order, from the attribute's value; empty for the value itself. */
    private final Property[] path;
    /** The source to ask when this one has no id ({@code session:user,principal}), or null. */
    private final UserIdSource fallback;

    private UserIdSource(String attribute, Property[] path, UserIdSource fallback) {
        this.attribute = attribute;
        this.path = path == null ? new Property[0] : path;
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
     * Parses {@code principal}, {@code session:NAME} or {@code session:NAME.property[.property...]},
     * or several of them separated by commas, tried in order ({@code session:user,principal}: the
     * app's own login first, then container authentication).
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
            chain = chain == null ? one : new UserIdSource(one.attribute, one.path, chain);
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
            // the attribute name ends at the first dot: session:NAME.a.b reads getA().getB()
            String[] names = s.substring("session:".length()).split("\\.", -1);
            if (names[0].isEmpty()) {
                throw new OnlineNowSettings.BadValue("no session attribute name after session:");
            }
            Property[] path = new Property[names.length - 1];
            for (int i = 1; i < names.length; i++) {
                if (!IDENTIFIER.matcher(names[i]).matches()) {
                    throw new OnlineNowSettings.BadValue("'" + names[i] + "' is not a property name (letters, digits, _ or $, "
                            + "not starting with a digit; properties are separated by single dots)");
                }
                path[i - 1] = new Property(names[0], names[i]);
            }
            return new UserIdSource(names[0], path, null);
        }
        throw new OnlineNowSettings.BadValue("unknown user id source");
    }

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

    /** True when ids come from the principal only. */
    public boolean isPrincipal() {
        return attribute == null && fallback == null;
    }

    /** The id of the user making this request, or null for an anonymous one. */
    public String userId(HttpServletRequest request) {
        return userIdOf(request, request.getSession(false));
    }

    /** Like {@link #userId(HttpServletRequest)}, with the request's session already looked up (or null). */
    String userIdOf(HttpServletRequest request, HttpSession session) {
        String id;
        if (attribute == null) {
            id = usable(request.getRemoteUser());
            if (id == null && session != null) {
                id = springSecurityUser(session);
            }
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
            if (id == null && session != null) {
                id = springSecurityUser(session);
            }
        } else {
            id = session == null ? null : fromSession(session);
        }
        return id != null || fallback == null ? id : fallback.userId(principal, session);
    }

    /**
     * The name of the signed-in user of Spring Security's context in this session, or null: no
     * context, no authentication, not authenticated, or anonymous. One attribute lookup when the
     * session has no context.
     */
    static String springSecurityUser(HttpSession session) {
        Object context;
        try {
            context = session.getAttribute(SPRING_SECURITY_CONTEXT);
        } catch (IllegalStateException invalidated) {
            return null;
        }
        if (context == null) {
            return null;
        }
        Object authentication = SPRING_AUTHENTICATION.read(context);
        if (authentication == null || authentication.getClass().getName().equals(SPRING_ANONYMOUS)
                || !Boolean.TRUE.equals(SPRING_AUTHENTICATED.read(authentication))) {
            return null;
        }
        Object name = SPRING_NAME.read(authentication);
        return name == null ? null : usable(name.toString());
    }

    private String fromSession(HttpSession session) {
        Object value;
        try {
            value = session.getAttribute(attribute);
        } catch (IllegalStateException invalidated) {
            return null;
        }
        for (int i = 0; i < path.length && value != null; i++) {
            value = path[i].read(value);
        }
        return value == null ? null : usable(value.toString());
    }

    /**
     * One property of a path, read through a public getter looked up once per class. A class that
     * has no such getter is logged once and reads as null (no id), so a wrong setting costs a log
     * line, never a failing request or a reflective lookup per request.
     */
    private static final class Property {
        private static final MethodHandle NONE = MethodHandles.constant(Object.class, null);
        private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

        final String name;
        private final String attribute;
        private final String[] candidates;
        /* A ClassValue, not a map: it keeps no web app's class (and loader) alive after a redeploy. */
        private final ClassValue<MethodHandle> getters = new ClassValue<>() {
            @Override
            protected MethodHandle computeValue(Class<?> type) {
                return find(type);
            }
        };

        Property(String attribute, String name) {
            this.attribute = attribute;
            this.name = name;
            String cap = Character.toUpperCase(name.charAt(0)) + name.substring(1);
            this.candidates = new String[] {"get" + cap, "is" + cap, name};
        }

        Object read(Object bean) {
            MethodHandle getter = getters.get(bean.getClass());
            if (getter == NONE) {
                return null;
            }
            try {
                return getter.invoke(bean);
            } catch (Throwable e) {
                throw new IllegalStateException("online-now: cannot read property '" + name + "' of session attribute '"
                        + attribute + "' (" + bean.getClass().getName() + ")", e);
            }
        }

        private MethodHandle find(Class<?> type) {
            for (String candidate : candidates) {
                java.lang.reflect.Method m;
                try {
                    m = type.getMethod(candidate);
                } catch (NoSuchMethodException e) {
                    continue;
                }
                if (m.getParameterCount() != 0 || m.getReturnType() == void.class
                        || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                java.lang.reflect.Method accessible = accessible(type, m);
                if (accessible == null) {
                    continue;
                }
                try {
                    MethodHandle h = MethodHandles.publicLookup().unreflect(accessible);
                    return MethodHandles.explicitCastArguments(h, GETTER);
                } catch (IllegalAccessException e) {
                    // not public to us after all: try the next name
                }
            }
            LOG.log(System.Logger.Level.WARNING, "online-now: the session attribute '" + attribute + "' holds a "
                    + type.getName() + ", which has no public getter for property '" + name + "' (get"
                    + candidates[0].substring(3) + "(), is" + candidates[0].substring(3) + "() or " + name
                    + "()); such sessions count as no user. Check the userId setting (logged once per class)");
            return NONE;
        }

        /* The method as declared by a public class or interface: a public method of a non-public
         * class (a private implementation of a public interface) is called through its public
         * declaration. */
        private static java.lang.reflect.Method accessible(Class<?> type, java.lang.reflect.Method m) {
            if (java.lang.reflect.Modifier.isPublic(m.getDeclaringClass().getModifiers())
                    && m.getDeclaringClass().getModule().isExported(m.getDeclaringClass().getPackageName())) {
                return m;
            }
            java.util.ArrayDeque<Class<?>> todo = new java.util.ArrayDeque<>();
            todo.add(type);
            while (!todo.isEmpty()) {
                Class<?> c = todo.poll();
                if (java.lang.reflect.Modifier.isPublic(c.getModifiers()) && c.getModule().isExported(c.getPackageName())) {
                    try {
                        return c.getMethod(m.getName());
                    } catch (NoSuchMethodException ignored) {
                        // look further up
                    }
                }
                if (c.getSuperclass() != null) {
                    todo.add(c.getSuperclass());
                }
                todo.addAll(java.util.Arrays.asList(c.getInterfaces()));
            }
            return null;
        }
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
        for (int i = 0; i < path.length && value != null; i++) {
            value = path[i].read(value);
        }
        return value;
    }

    @Override
    public String toString() {
        StringBuilder self = new StringBuilder(attribute == null ? "principal" : "session:" + attribute);
        for (Property p : path) {
            self.append('.').append(p.name);
        }
        return fallback == null ? self.toString() : self + "," + fallback;
    }
}
