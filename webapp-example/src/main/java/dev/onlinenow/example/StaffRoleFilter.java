package dev.onlinenow.example;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;

/**
 * The demo's roles: a user who ticked "staff" at sign-in is in the role {@value #STAFF_ROLE}, as
 * a container login with {@code <security-role>} would make them ({@code request.isUserInRole}).
 * online-now asks exactly that for its {@code seeHidden} setting ({@code role:staff} in web.xml),
 * on pages and at the live socket's handshake. Mapped before online-now's filter, so that the
 * request online-now sees answers for the role. An app with a real login needs none of this.
 */
public class StaffRoleFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    /** The role the demo gives staff; {@code online-now.seeHidden = role:staff}. */
    static final String STAFF_ROLE = "staff";

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        chain.doFilter(new HttpServletRequestWrapper(req) {
            @Override
            public boolean isUserInRole(String role) {
                return (STAFF_ROLE.equals(role) && isStaff(getSession(false))) || super.isUserInRole(role);
            }
        }, res);
    }

    /** Whether the session's user signed in as staff. */
    static boolean isStaff(HttpSession session) {
        try {
            return session != null && Boolean.TRUE.equals(session.getAttribute(Names.STAFF_ATTRIBUTE));
        } catch (IllegalStateException invalidated) {
            return false;
        }
    }
}
