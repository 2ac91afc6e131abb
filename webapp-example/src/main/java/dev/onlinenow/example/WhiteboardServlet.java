package dev.onlinenow.example;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /whiteboard?board=ID}: a room. The page joins the room over the live endpoint; this
 * servlet only checks the board id and that someone is signed in (the live endpoint takes the
 * identity from the same session at the handshake).
 */
public class WhiteboardServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    static final String VIEW = "/WEB-INF/jsp/whiteboard.jsp";

    /** The path of a board's page, below the context path. */
    static String path(String boardId) {
        return "/whiteboard?board=" + URLEncoder.encode(boardId, StandardCharsets.UTF_8);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        String raw = req.getParameter("board");
        if (raw == null) {
            resp.sendRedirect(req.getContextPath() + path(Board.SUGGESTED.get(0).getId()));
            return;
        }
        String board;
        try {
            board = Names.boardId(raw);
        } catch (IllegalArgumentException e) {
            resp.sendError(HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        if (!board.equals(raw)) {
            resp.sendRedirect(req.getContextPath() + path(board)); // one URL per board
            return;
        }
        HttpSession session = req.getSession(false);
        Object user = session == null ? null : session.getAttribute(Names.USER_ATTRIBUTE);
        if (user == null) {
            resp.sendRedirect(req.getContextPath() + "/?next=" + URLEncoder.encode(board, StandardCharsets.UTF_8));
            return;
        }
        req.setAttribute("board", board);
        req.setAttribute("boardTitle", Board.titleOf(board));
        resp.setHeader("Cache-Control", "no-store");
        req.getRequestDispatcher(VIEW).forward(req, resp);
    }
}
