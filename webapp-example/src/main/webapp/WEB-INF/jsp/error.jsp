<%@ page contentType="text/html; charset=UTF-8" isErrorPage="true" %>
<%@ include file="_head.jspf" %>
<c:set var="status" value="${requestScope['jakarta.servlet.error.status_code']}"/>
<c:set var="message" value="${requestScope['jakarta.servlet.error.message']}"/>
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${status} · online-now example</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${ctx}/static/app.css">
</head>
<body>
<main class="home narrow">
  <section class="card intro">
    <h1>
      <c:choose>
        <c:when test="${status eq 404}">There is nothing here.</c:when>
        <c:when test="${status eq 400}">That did not look right.</c:when>
        <c:otherwise>Something went wrong on our side.</c:otherwise>
      </c:choose>
    </h1>
    <%-- only our own messages (400s) are shown; a 500's message could leak internals --%>
    <c:if test="${status eq 400 and not empty message}"><p class="lead" data-testid="error-message"><c:out value="${message}"/></p></c:if>
    <p><a class="btn primary" href="${ctx}/">Back to who is online</a></p>
  </section>
</main>
</body>
</html>
