package dev.onlinenow.example;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;

/**
 * {@code POST /hide} with {@code hide=true|false}: "hide my online status". It only sets the
 * session attribute {@code hideOnline}; online-now reads it on the user's next request
 * ({@code online-now.hidden = session:hideOnline}), here the redirect back to the page
 * ({@code back}: {@code /}, {@code /who-is-online} or a board's page).
 */
public class HideServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession(false);
        if (session != null && session.getAttribute(Names.USER_ATTRIBUTE) != null) {
            session.setAttribute(Names.HIDE_ATTRIBUTE, "true".equals(req.getParameter("hide")));
        }
        resp.sendRedirect(req.getContextPath() + back(req.getParameter("back")));
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendRedirect(req.getContextPath() + "/"); // a change of state: only by POST
    }

    /** Where to go back to: one of the example's pages, never another site. */
    static String back(String raw) {
        if ("/who-is-online".equals(raw)) {
            return raw;
        }
        String prefix = "/whiteboard?board=";
        if (raw != null && raw.startsWith(prefix)) {
            String board = Names.boardIdOrNull(raw.substring(prefix.length()));
            if (board != null) {
                return WhiteboardServlet.path(board);
            }
        }
        return "/";
    }
}
