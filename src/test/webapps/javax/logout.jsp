<%@ page contentType="text/plain; charset=UTF-8" session="true" %><% session.invalidate(); %>signed out
