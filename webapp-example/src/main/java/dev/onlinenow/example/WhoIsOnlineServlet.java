package dev.onlinenow.example;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * {@code GET /who-is-online}: the page a forum calls "Who is online": every member with where
 * they are and when they were last seen (hidden ones marked, for staff and themselves), guests,
 * robots by name, and the most people ever online. The JSP reads only the filter's request
 * attributes and EL functions.
 */
public class WhoIsOnlineServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    static final String VIEW = "/WEB-INF/jsp/who-is-online.jsp";

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        req.setAttribute("boards", Board.SUGGESTED);
        resp.setHeader("Cache-Control", "no-store");
        req.getRequestDispatcher(VIEW).forward(req, resp);
    }
}
