import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** {@code POST /login} as the example's: the name in a new HttpSession, a redirect. */
@WebServlet("/login")
public class FloorLogin extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        req.getSession().setAttribute("user", req.getParameter("name"));
        resp.sendRedirect(req.getContextPath() + "/");
    }
}
