package dev.onlinenow.example;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/** The WAR carries what containers lack (the library, JSTL) and nothing they provide. */
class WarContentsIT {

    @Test
    void bundlesTheLibraryAndJstlButNoContainerApis() throws Exception {
        try (JarFile war = new JarFile(Path.of(System.getProperty("example.war")).toFile())) {
            List<String> libs = war.stream().map(ZipEntry::getName)
                    .filter(n -> n.startsWith("WEB-INF/lib/") && n.endsWith(".jar"))
                    .map(n -> n.substring("WEB-INF/lib/".length())).toList();
            assertThat(libs).anyMatch(n -> n.startsWith("online-now-"))
                    .anyMatch(n -> n.startsWith("jakarta.servlet.jsp.jstl-api-"))
                    .anyMatch(n -> n.matches("jakarta\\.servlet\\.jsp\\.jstl-\\d.*"))
                    .as("an SLF4J provider, so that start-up prints no SLF4J warning")
                    .anyMatch(n -> n.startsWith("slf4j-jdk14-"));
            assertThat(libs).as("APIs and implementations every container provides")
                    .noneMatch(n -> n.startsWith("jakarta.servlet-api") || n.startsWith("jakarta.websocket")
                            || n.startsWith("jakarta.el") || n.startsWith("jakarta.servlet.jsp-api")
                            || n.startsWith("tyrus") || n.startsWith("tomcat") || n.startsWith("jetty")
                            || n.startsWith("selenium") || n.startsWith("junit"));
            if (Boolean.getBoolean("example.redis")) {
                assertThat(libs).as("-Predis: the Redis client the library needs for store=redis")
                        .anyMatch(n -> n.startsWith("lettuce-core-")).anyMatch(n -> n.startsWith("netty-"));
            } else {
                assertThat(libs).as("the default WAR: in-process store, no Redis client")
                        .noneMatch(n -> n.startsWith("lettuce") || n.startsWith("netty") || n.startsWith("reactor"));
            }
            assertThat(war.getEntry("WEB-INF/web.xml")).isNotNull();
            assertThat(war.getEntry("WEB-INF/classes/org/glassfish/tyrus/servlet/TyrusServletWriter.class"))
                    .as("the launcher's Tyrus fix is test code, never in the WAR").isNull();
        }
    }
}
