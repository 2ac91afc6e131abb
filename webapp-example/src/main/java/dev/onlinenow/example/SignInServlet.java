package dev.onlinenow.example;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;

/**
 * {@code POST /login} with form field {@code name}: the demo's sign-in. It keeps the name in the
 * HttpSession as a classic app with its own login does; online-now reads it from there
 * ({@code online-now.userId = session:user}). Two demo options, checkboxes of the form: {@code staff}
 * (the role {@code staff}, who sees hidden users: {@link StaffRoleFilter}) and {@code hide}
 * ("hide my online status", {@code online-now.hidden = session:hideOnline}). Redirects to
 * {@code /}, or back to the board the visitor came from ({@code next=BOARD}).
 */
public class SignInServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        // request bodies are UTF-8 by web.xml's <request-character-encoding>
        String next = Names.boardIdOrNull(req.getParameter("next"));
        String name;
        try {
            name = Names.signInName(req.getParameter("name"));
        } catch (IllegalArgumentException e) {
            // show the form again with the reason and what was typed; nothing is kept
            resp.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            req.setAttribute("signInError", e.getMessage());
            req.setAttribute("typedName", req.getParameter("name"));
            req.setAttribute("next", next);
            HomeServlet.show(req, resp);
            return;
        }
        HttpSession session = req.getSession();
        if (!session.isNew()) {
            req.changeSessionId(); // a new id for a new identity: no session fixation
        }
        session.setAttribute(Names.USER_ATTRIBUTE, name);
        session.setAttribute(Names.STAFF_ATTRIBUTE, req.getParameter("staff") != null);
        session.setAttribute(Names.HIDE_ATTRIBUTE, req.getParameter("hide") != null);
        resp.sendRedirect(req.getContextPath() + (next == null ? "/" : WhiteboardServlet.path(next)));
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendRedirect(req.getContextPath() + "/");
    }
}
