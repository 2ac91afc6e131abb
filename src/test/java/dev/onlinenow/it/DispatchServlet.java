package dev.onlinenow.it;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The ways a page is reached other than directly (FilterInTomcatIT, webapp "dispatch"):
 * {@code /do/forward}, {@code /do/async} (startAsync, then a dispatch from another thread),
 * {@code /do/async-read} (another thread reads the count from the async context's request),
 * {@code /do/throw} (an exception, whose error page is a JSP) and {@code /do/send-error} (a 404).
 */
public class DispatchServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        switch (req.getPathInfo()) {
            case "/forward" -> req.getRequestDispatcher("/shown.jsp").forward(req, resp);
            case "/async" -> {
                AsyncContext ac = req.startAsync();
                ac.start(() -> ac.dispatch("/shown.jsp"));
            }
            case "/async-read" -> {
                AsyncContext ac = req.startAsync();
                ac.start(() -> {
                    try {
                        ac.getResponse().setContentType("text/plain");
                        ac.getResponse().getWriter().print("read " + ac.getRequest().getAttribute("onlineNowCount"));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } finally {
                        ac.complete();
                    }
                });
            }
            case "/throw" -> throw new IllegalStateException("the page failed");
            case "/send-error" -> resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            default -> resp.sendError(HttpServletResponse.SC_BAD_REQUEST);
        }
    }
}
