<%@ page contentType="text/html; charset=UTF-8" %>
<%@ taglib prefix="c" uri="http://java.sun.com/jsp/jstl/core" %>
<%@ taglib prefix="on" uri="urn:online-now" %>
<!doctype html>
<html><body>
<p id="me">signed in as <c:out value="${pageContext.request.remoteUser}"/></p>
<p id="count"><c:out value="${onlineNowCount}"/> online</p>
<ul id="ids"><c:forEach items="${onlineNowIds}" var="id"><li><c:out value="${id}"/></li></c:forEach></ul>
<ul id="users"><c:forEach items="${onlineNow}" var="u"><li><c:out value="${u.name}"/></li></c:forEach></ul>
<p id="ann">ann online: ${on:isOnline('ann')}</p>
</body></html>
