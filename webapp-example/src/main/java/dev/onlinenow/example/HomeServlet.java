package dev.onlinenow.example;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** {@code GET /}: who is online (the JSP reads the filter's request attributes) and the boards. */
public class HomeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    static final String VIEW = "/WEB-INF/jsp/home.jsp";

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        if (req.getAttribute("next") == null) {
            req.setAttribute("next", Names.boardIdOrNull(req.getParameter("next")));
        }
        show(req, resp);
    }

    static void show(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        req.setAttribute("boards", Board.SUGGESTED);
        resp.setHeader("Cache-Control", "no-store");
        req.getRequestDispatcher(VIEW).forward(req, resp);
    }
}
