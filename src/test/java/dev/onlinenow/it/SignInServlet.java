package dev.onlinenow.it;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/** A classic app's own sign-in: the user's name goes into the session as "user". */
public class SignInServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        if (req.getServletPath().equals("/signout")) {
            HttpSession session = req.getSession(false);
            if (session != null) {
                session.invalidate();
            }
        } else {
            req.getSession(true).setAttribute("user", req.getParameter("name"));
        }
        resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }
}
