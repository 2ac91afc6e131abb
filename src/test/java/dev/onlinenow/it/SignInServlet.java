package dev.onlinenow.it;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/** A classic app's own sign-in: the user's name goes into the session as "user" (and hideOnline, if given). */
public class SignInServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        if (req.getServletPath().equals("/signout")) {
            HttpSession session = req.getSession(false);
            if (session != null) {
                session.invalidate();
            }
        } else {
            HttpSession session = req.getSession(true);
            session.setAttribute("user", req.getParameter("name"));
            if (req.getParameter("hideOnline") != null) { // README, "Who is online, as forums show it"
                session.setAttribute("hideOnline", Boolean.valueOf(req.getParameter("hideOnline")));
            }
        }
        resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }
}
