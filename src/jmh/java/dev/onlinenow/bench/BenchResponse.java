package dev.onlinenow.bench;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.lang.reflect.Proxy;

/** The response a benchmark passes along; the filters under test never touch it (a guard throws if they do). */
final class BenchResponse extends HttpServletResponseWrapper {

    private static final HttpServletResponse UNSUPPORTED = (HttpServletResponse) Proxy.newProxyInstance(
            BenchResponse.class.getClassLoader(), new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> {
                throw new UnsupportedOperationException("the benchmark response does not implement "
                        + method.getName() + "; add it to " + BenchResponse.class.getName());
            });

    BenchResponse() {
        super(UNSUPPORTED);
    }
}
