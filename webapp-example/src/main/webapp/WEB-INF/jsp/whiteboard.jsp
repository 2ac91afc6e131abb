<%@ page contentType="text/html; charset=UTF-8" %>
<%@ include file="_head.jspf" %>
<%-- where the user is, as who-is-online shows it ("on the board Roadmap") and on:viewerCount counts it --%>
<c:set var="onlineNowLocation" value="${ex:boardPlace(board)}" scope="request"/>
<c:set var="back" value="/whiteboard?board=${board}"/>
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title><c:out value="${boardTitle}"/> · online-now example</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${ctx}/static/app.css">
</head>
<body class="board-page" data-context-path="${fn:escapeXml(ctx)}" data-me="${fn:escapeXml(me)}" data-board="${fn:escapeXml(board)}">
<%@ include file="_topbar.jspf" %>

<main class="board-layout">
  <div class="board-head">
    <div>
      <a class="crumb" href="${ctx}/">&lsaquo; Home</a>
      <h1><c:out value="${boardTitle}"/> <span class="board-id">#<c:out value="${board}"/></span></h1>
    </div>
    <div class="here">
      <div class="stack" id="here-avatars" data-testid="here-avatars" aria-label="In this board"></div>
      <span class="here-count" id="here-count" data-testid="here-count">&hellip;</span>
      <span class="conn" id="conn" data-testid="connection" role="status">connecting&hellip;</span>
    </div>
  </div>

  <div class="board" id="board" data-testid="board">
    <p class="board-hint" id="board-hint">Move your pointer over the board:<br>everyone here sees it, with your name.</p>
  </div>

  <aside class="side">
    <section class="card">
      <div class="card-head"><h2>In this board</h2></div>
      <ul class="people" id="here-list" data-testid="here-list">
        <%-- who is here as the page is made (this server's view, no waiting); the socket's list replaces it --%>
        <c:forEach var="p" items="${on:presences(board)}">
          <li class="person"><span class="person-text"><span class="person-name"><c:out value="${p.name}"/></span></span></li>
        </c:forEach>
      </ul>
    </section>
    <section class="card">
      <form id="status-form" autocomplete="off">
        <label for="status">Your status</label>
        <div class="row">
          <input id="status" name="status" maxlength="60" placeholder="e.g. On a call">
          <button type="submit" class="btn">Set</button>
        </div>
        <p class="hint">Everyone in the board sees it next to your name.</p>
      </form>
    </section>
    <section class="card share">
      <label for="share">Invite someone</label>
      <input id="share" readonly value="" data-share>
      <p class="hint">Open it in another browser, sign in with another name, and wave.</p>
    </section>
  </aside>
</main>

<div class="toasts" id="toasts" aria-live="polite" data-testid="toasts"></div>
<noscript><p class="card">The live board needs JavaScript; the list of who is online on the home page works without it.</p></noscript>
<script src="${ctx}/online-now/online-now.js"></script>
<script src="${ctx}/static/app.js"></script>
<script src="${ctx}/static/whiteboard.js"></script>
</body>
</html>
