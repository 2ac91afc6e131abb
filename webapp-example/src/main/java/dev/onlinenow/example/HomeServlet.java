package dev.onlinenow.example;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.onlinenow.live.LivePresence;
import dev.onlinenow.live.Presence;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /}: who is online (the JSP reads the filter's request attributes) and the boards,
 * each with who is in it right now (from the live layer's server-side API).
 */
public class HomeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    static final String VIEW = "/WEB-INF/jsp/home.jsp";

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        req.setAttribute("next", Names.boardIdOrNull(req.getParameter("next")));
        show(req, resp);
    }

    static void show(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        req.setAttribute("boards", Board.SUGGESTED);
        req.setAttribute("inBoard", inBoards(LivePresence.get(req.getServletContext())));
        resp.setHeader("Cache-Control", "no-store");
        req.getRequestDispatcher(VIEW).forward(req, resp);
    }

    /** Board id to the people in it now; empty lists when the live layer is off. */
    private static Map<String, List<Presence>> inBoards(LivePresence live) {
        Map<String, List<Presence>> out = new LinkedHashMap<>();
        for (Board b : Board.SUGGESTED) {
            out.put(b.getId(), live == null || live.isClosed() ? List.of() : live.list(b.getId()));
        }
        return out;
    }
}
