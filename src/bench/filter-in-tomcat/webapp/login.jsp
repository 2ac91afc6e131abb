<%@ page contentType="text/plain;charset=UTF-8" %><% session.setAttribute("user", request.getParameter("id")); %>ok
