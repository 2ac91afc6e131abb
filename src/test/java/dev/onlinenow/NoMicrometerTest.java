package dev.onlinenow;

import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Micrometer is optional: the library starts, counts and registers its MBean with no
 * {@code io.micrometer} class reachable, and never loads {@link OnlineNowMetrics} on its own.
 */
class NoMicrometerTest {

    /** Defines online-now's classes itself (from the test class path) and finds no Micrometer at all. */
    static final class WithoutMicrometer extends ClassLoader {
        WithoutMicrometer(ClassLoader parent) {
            super("without-micrometer", parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("io.micrometer.")) {
                throw new ClassNotFoundException(name + " (hidden by the test)");
            }
            if (!name.startsWith("dev.onlinenow.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    String path = name.replace('.', '/') + ".class";
                    try (InputStream in = getParent().getResourceAsStream(path)) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        byte[] b = in.readAllBytes();
                        c = defineClass(name, b, 0, b.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }
    }

    @Test
    void theLibraryRunsWithoutMicrometerOnTheClassPath() throws Exception {
        WithoutMicrometer loader = new WithoutMicrometer(getClass().getClassLoader());
        Class<?> settingsClass = loader.loadClass(OnlineNowSettings.class.getName());
        Class<?> onlineClass = loader.loadClass(OnlineNow.class.getName());
        assertThat(onlineClass.getClassLoader()).isSameAs(loader);

        Object settings = settingsClass.getMethod("defaults").invoke(null);
        Object online = onlineClass.getMethod("inProcess", settingsClass).invoke(null, settings);
        ServletContext ctx = context("/no-micrometer");
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            onlineClass.getMethod("install", ServletContext.class, onlineClass).invoke(null, ctx, online);
            onlineClass.getMethod("touch", String.class).invoke(online, "alice");
            ObjectName name = new ObjectName("dev.onlinenow:type=OnlineNow,context=/no-micrometer");
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "OnlineCount")).isEqualTo(1L);
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "StoreHealthy")).isEqualTo(true);
            onlineClass.getMethod("close").invoke(online);
            assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(name)).isFalse();
        } finally {
            t.setContextClassLoader(before);
        }

        assertThat(loader.loaded(OnlineNowMetrics.class.getName())).as("OnlineNowMetrics loaded").isFalse();
        // and the loader really hides Micrometer: the binder itself cannot load without it
        assertThatThrownBy(() -> Class.forName(OnlineNowMetrics.class.getName(), true, loader))
                .isInstanceOf(NoClassDefFoundError.class)
                .hasMessageContaining("io/micrometer");
    }

    private static ServletContext context(String path) {
        Map<String, Object> attributes = new HashMap<>();
        return (ServletContext) Proxy.newProxyInstance(NoMicrometerTest.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, m, args) -> invoke(attributes, path, m, args));
    }

    private static Object invoke(Map<String, Object> attributes, String path, Method m, Object[] args) {
        switch (m.getName()) {
            case "getContextPath":
                return path;
            case "getAttribute":
                return attributes.get((String) args[0]);
            case "setAttribute":
                attributes.put((String) args[0], args[1]);
                return null;
            case "removeAttribute":
                attributes.remove((String) args[0]);
                return null;
            case "hashCode":
                return System.identityHashCode(attributes);
            case "equals":
                return false;
            default:
                return null;
        }
    }
}
