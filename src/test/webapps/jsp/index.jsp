<%@ page contentType="text/html; charset=UTF-8" %>
<%@ taglib prefix="c" uri="jakarta.tags.core" %>
<%@ taglib prefix="fmt" uri="jakarta.tags.fmt" %>
<%@ taglib prefix="on" uri="urn:online-now" %>
<fmt:setLocale value="en"/>
<!doctype html>
<html><body>
<p id="count"><c:out value="${onlineNowCount}"/> online</p>
<ul id="ids"><c:forEach items="${onlineNowIds}" var="id"><li><c:out value="${id}"/></li></c:forEach></ul>
<ul id="users"><c:forEach items="${onlineNow}" var="u"><li data-id="${u.id}"><c:out value="${u.name}"/> <fmt:formatDate value="${u.lastSeenDate}" pattern="yyyy"/></li></c:forEach></ul>
<p id="ann">ann online: ${on:isOnline('ann')}</p>
<p id="nobody">nobody online: ${on:isOnline('nobody')} <c:out value="${on:lastSeen('nobody')}" default="never"/></p>
</body></html>
