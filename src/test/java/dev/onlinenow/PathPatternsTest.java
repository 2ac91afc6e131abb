package dev.onlinenow;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PathPatternsTest {

    private final PathPatterns patterns = PathPatterns.parse("/static/*, *.css, /health, /a/b/*");

    @Test
    void theThreeForms() {
        assertThat(patterns.matches("/static/app.js")).isTrue();
        assertThat(patterns.matches("/static")).isTrue();
        assertThat(patterns.matches("/staticky")).isFalse();
        assertThat(patterns.matches("/x/site.css")).isTrue();
        assertThat(patterns.matches("/site.cssx")).isFalse();
        assertThat(patterns.matches("/health")).isTrue();
        assertThat(patterns.matches("/health/more")).isFalse();
        assertThat(patterns.matches("/a/b")).isTrue();
        assertThat(patterns.matches("/a/bc")).isFalse();
    }

    /** The servlet path and path info, matched in two parts, answer as their concatenation does. */
    @Test
    void servletPathAndPathInfoMatchAsTheWholePath() {
        List<String> paths = List.of("/", "/static", "/static/", "/static/app.js", "/staticky/x", "/x/site.css",
                "/site.css/x", "/health", "/health/", "/healthz", "/a/b", "/a/b/c.css", "/a/bc", "/a", "/index.jsp");
        int checked = 0;
        for (String path : paths) {
            for (int cut = 0; cut <= path.length(); cut++) {
                if (cut < path.length() && path.charAt(cut) != '/') {
                    continue; // a path info starts with '/'
                }
                String servletPath = path.substring(0, cut);
                String pathInfo = cut == path.length() ? null : path.substring(cut);
                assertThat(patterns.matches(servletPath, pathInfo))
                        .as("'%s' + '%s'", servletPath, pathInfo).isEqualTo(patterns.matches(path));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(paths.size() * 2);
    }
}
