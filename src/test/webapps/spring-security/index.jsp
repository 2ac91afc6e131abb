<%@ page contentType="text/html; charset=UTF-8" %>
<!DOCTYPE html>
<html><body>
<p id="me">signed in as ${pageContext.request.remoteUser}</p>
<p id="count">${onlineNowCount} online</p>
<p id="ids">${onlineNowIds}</p>
<form method="post" action="logout"><input type="hidden" name="${_csrf.parameterName}" value="${_csrf.token}"/><button>Sign out</button></form>
<script src="online-now/online-now.js"></script>
</body></html>
