package dev.onlinenow.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The javax jar checked against what a Java EE 8 container really has: Tomcat 9's own API jars
 * (Servlet 4.0, WebSocket 1.1, JSP 2.3, EL 3.0) and the library's runtime dependencies, nothing
 * of Jakarta EE.
 *
 * <ul>
 *   <li>every class loads and its whole declared surface resolves there (fields, methods,
 *       constructors, generic signatures, record components): no jakarta container type is
 *       left anywhere a class names one;</li>
 *   <li>every method and field of a container API that any code path calls (every
 *       {@code Methodref}/{@code InterfaceMethodref}/{@code Fieldref} in every constant pool,
 *       lambdas and method references included) exists in those API jars, so nothing newer than
 *       Servlet 4.0 / WebSocket 1.1 / JSP 2.3 / EL 3.0 can be called on any path;</li>
 *   <li>JSON-P stays {@code jakarta.json} (the library's own dependency, with Parsson);</li>
 *   <li>the same entries and class names as the main jar, the TLD in the Java EE schema, and
 *       online-now.js byte for byte.</li>
 * </ul>
 */
class JavaxJarIT {

    private static final Pattern CONTAINER_JAKARTA = Pattern.compile("jakarta[/.](servlet|websocket|el)\\b");
    private static final Pattern MEMBER_REF = Pattern.compile(
            "= (Methodref|InterfaceMethodref|Fieldref)\\s+#\\d+\\.#\\d+\\s+// (javax/[\\w/$]+)\\.(\"?[\\w<>$]+\"?):(\\S+)");

    private static Path javaxJar;
    private static Path jakartaJar;
    private static URLClassLoader javaEe8;

    @BeforeAll
    static void open() throws Exception {
        javaxJar = Path.of(System.getProperty("onlinenow.javax.jar", "target/online-now-javax.jar"));
        jakartaJar = Path.of(System.getProperty("onlinenow.jar", "target/online-now.jar"));
        Path tomcat9 = Path.of(System.getProperty("tomcat9.home", "target/javax-it/apache-tomcat-9.0.98"));
        Path lib = Path.of(System.getProperty("javax-it.lib", "target/javax-it/lib"));
        assertThat(javaxJar).exists();
        List<URL> urls = new ArrayList<>();
        urls.add(javaxJar.toUri().toURL());
        for (String api : List.of("servlet-api.jar", "websocket-api.jar", "jsp-api.jar", "el-api.jar")) {
            Path p = tomcat9.resolve("lib").resolve(api);
            assertThat(p).as("Tomcat 9's " + api).exists();
            urls.add(p.toUri().toURL());
        }
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path p : (Iterable<Path>) jars::iterator) {
                urls.add(p.toUri().toURL());
            }
        }
        // the Redis store's classes name Lettuce (optional); take it from the test class path
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.matches(".*/(lettuce-core|netty-[\\w-]+|reactor-core|reactive-streams)-[^/]*\\.jar")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        javaEe8 = new URLClassLoader("java-ee-8", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        assertThat(javaEe8.getResource("jakarta/servlet/Filter.class")).as("no Jakarta Servlet here").isNull();
    }

    private static List<String> classNames(Path jar) throws IOException {
        try (ZipFile z = new ZipFile(jar.toFile())) {
            return z.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".class") && !n.contains("module-info"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.')).sorted().toList();
        }
    }

    @Test
    void everyClassResolvesAgainstJavaEe8() throws Exception {
        List<String> failures = new ArrayList<>();
        List<String> names = classNames(javaxJar);
        assertThat(names).contains("dev.onlinenow.OnlineNowFilter", "dev.onlinenow.live.OnlineNowLive");
        for (String name : names) {
            try {
                Class<?> c = Class.forName(name, false, javaEe8);
                c.getGenericSuperclass();
                c.getGenericInterfaces();
                Arrays.stream(c.getDeclaredFields()).forEach(f -> f.getGenericType());
                Arrays.stream(c.getDeclaredMethods()).forEach(m -> {
                    m.getGenericReturnType();
                    m.getGenericParameterTypes();
                    m.getGenericExceptionTypes();
                });
                Arrays.stream(c.getDeclaredConstructors()).forEach(Constructor::getGenericParameterTypes);
                if (c.isRecord()) {
                    Arrays.stream(c.getRecordComponents()).forEach(r -> r.getGenericType());
                }
                // a concrete class implements every abstract method of the Java EE 8 types it
                // extends (an interface method with a default only in Servlet 5+ would be missing)
                if (!c.isInterface() && !java.lang.reflect.Modifier.isAbstract(c.getModifiers())) {
                    for (Method m : c.getMethods()) {
                        if (java.lang.reflect.Modifier.isAbstract(m.getModifiers())) {
                            failures.add(name + ": does not implement " + m);
                        }
                    }
                }
            } catch (Throwable e) {
                failures.add(name + ": " + e);
            }
        }
        assertThat(failures).as("classes that do not resolve in a Java EE 8 container").isEmpty();
        assertThat(Class.forName("dev.onlinenow.OnlineNowFilter", false, javaEe8).getInterfaces())
                .extracting(Class::getName).contains("javax.servlet.Filter");
        assertThat(Class.forName("dev.onlinenow.live.OnlineNowLive", false, javaEe8).getInterfaces())
                .extracting(Class::getName).contains("javax.servlet.ServletContextListener");
    }

    @Test
    void everyContainerApiMemberCalledExistsInServlet40WebSocket11Jsp23El30() throws Exception {
        Map<String, String> javap = javap(javaxJar);
        Set<String> missing = new TreeSet<>();
        Set<String> checked = new TreeSet<>();
        Map<String, List<String>> leftovers = new TreeMap<>();
        for (Map.Entry<String, String> e : javap.entrySet()) {
            for (String line : e.getValue().split("\n")) {
                // constant-pool entries that a class uses (not orphaned UTF-8 strings)
                if (line.matches("\\s*#\\d+ = (Class|Methodref|InterfaceMethodref|Fieldref|NameAndType|MethodType|MethodHandle)\\b.*")
                        && CONTAINER_JAKARTA.matcher(line).find()) {
                    leftovers.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(line.trim());
                }
                Matcher m = MEMBER_REF.matcher(line);
                if (m.find()) {
                    String owner = m.group(2).replace('/', '.');
                    String member = m.group(3).replace("\"", "");
                    String ref = owner + "." + member + ":" + m.group(4);
                    checked.add(ref);
                    if (!exists(owner, member, m.group(4), m.group(1).equals("Fieldref"))) {
                        missing.add(ref + " (used by " + e.getKey() + ")");
                    }
                }
            }
        }
        assertThat(leftovers).as("references to Jakarta container APIs left in the javax jar").isEmpty();
        assertThat(checked).as("the check saw the container calls").anyMatch(r -> r.startsWith("javax.servlet."))
                .anyMatch(r -> r.startsWith("javax.websocket."));
        assertThat(missing).as("container API members the javax jar calls that Java EE 8 does not have").isEmpty();
        String all = String.join("\n", javap.values());
        assertThat(all).as("JSON-P is the library's own jakarta.json").contains("jakarta/json/").doesNotContain("javax/json/");
    }

    @Test
    void sameEntriesAndResourcesAsTheMainJar() throws Exception {
        try (ZipFile javax = new ZipFile(javaxJar.toFile()); ZipFile jakarta = new ZipFile(jakartaJar.toFile())) {
            assertThat(entries(javax)).isEqualTo(entries(jakarta));
            String js = "META-INF/resources/online-now/online-now.js";
            assertThat(javax.getInputStream(javax.getEntry(js)).readAllBytes())
                    .isEqualTo(jakarta.getInputStream(jakarta.getEntry(js)).readAllBytes());
            String tld = new String(javax.getInputStream(javax.getEntry("META-INF/online-now.tld")).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertThat(tld).contains("xmlns=\"http://xmlns.jcp.org/xml/ns/javaee\"").contains("version=\"2.1\"")
                    .contains("web-jsptaglibrary_2_1.xsd").doesNotContain("jakarta.ee")
                    .contains("<uri>urn:online-now</uri>").contains("<function-class>dev.onlinenow.OnlineNowFunctions</function-class>");
            assertThat(javax.stream().map(ZipEntry::getName).filter(n -> n.startsWith("META-INF/services/")).toList())
                    .as("service files, if any, are the main jar's").isEqualTo(
                            jakarta.stream().map(ZipEntry::getName).filter(n -> n.startsWith("META-INF/services/")).toList());
        }
    }

    private static Set<String> entries(ZipFile z) {
        return z.stream().map(ZipEntry::getName).filter(n -> !n.startsWith("META-INF/maven/") && !n.endsWith("/"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /* javap -v of every class of the jar, by class name. */
    private static Map<String, String> javap(Path jar) throws IOException {
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        Map<String, String> out = new HashMap<>();
        for (String name : classNames(jar)) {
            StringWriter text = new StringWriter();
            StringWriter err = new StringWriter();
            int rc = javap.run(new PrintWriter(text), new PrintWriter(err), "-v", "-p", "-cp", jar.toString(), name);
            assertThat(rc).as("javap " + name + ": " + err).isZero();
            out.put(name, text.toString());
        }
        return out;
    }

    /* Whether owner (or a supertype) declares this member with this descriptor. */
    private static boolean exists(String owner, String member, String descriptor, boolean field) {
        Class<?> c;
        try {
            c = Class.forName(owner, false, javaEe8);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        List<Class<?>> todo = new ArrayList<>(List.of(c));
        while (!todo.isEmpty()) {
            Class<?> k = todo.remove(0);
            if (field) {
                if (Arrays.stream(k.getDeclaredFields()).anyMatch(f -> f.getName().equals(member)
                        && descriptor(f.getType()).equals(descriptor))) {
                    return true;
                }
            } else {
                List<Executable> all = new ArrayList<>(Arrays.asList(k.getDeclaredMethods()));
                all.addAll(Arrays.asList(k.getDeclaredConstructors()));
                for (Executable x : all) {
                    String name = x instanceof Constructor ? "<init>" : x.getName();
                    Class<?> ret = x instanceof Method mm ? mm.getReturnType() : void.class;
                    if (name.equals(member) && descriptor(x.getParameterTypes(), ret).equals(descriptor)) {
                        return true;
                    }
                }
            }
            if (k.getSuperclass() != null) {
                todo.add(k.getSuperclass());
            }
            todo.addAll(Arrays.asList(k.getInterfaces()));
            if (k.isInterface()) {
                todo.add(Object.class);
            }
        }
        return false;
    }

    private static String descriptor(Class<?>[] params, Class<?> ret) {
        StringBuilder b = new StringBuilder("(");
        for (Class<?> p : params) {
            b.append(descriptor(p));
        }
        return b.append(')').append(descriptor(ret)).toString();
    }

    private static String descriptor(Class<?> c) {
        return c.descriptorString();
    }
}
