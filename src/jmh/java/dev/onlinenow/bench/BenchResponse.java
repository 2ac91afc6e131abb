package dev.onlinenow.bench;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.lang.reflect.Proxy;

/** The response a benchmark passes along: a 200; anything else a filter asks of it throws (a guard). */
final class BenchResponse extends HttpServletResponseWrapper {

    private static final HttpServletResponse UNSUPPORTED = (HttpServletResponse) Proxy.newProxyInstance(
            BenchResponse.class.getClassLoader(), new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> {
                throw new UnsupportedOperationException("the benchmark response does not implement "
                        + method.getName() + "; add it to " + BenchResponse.class.getName());
            });

    BenchResponse() {
        super(UNSUPPORTED);
    }

    @Override
    public int getStatus() {
        return SC_OK;
    }
}
