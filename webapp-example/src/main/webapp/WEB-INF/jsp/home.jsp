<%@ page contentType="text/html; charset=UTF-8" %>
<%@ include file="_head.jspf" %>
<jsp:useBean id="now" class="java.util.Date"/>
<%-- where the visitor is, as who-is-online shows it ("on the home page"): online-now reads this
     request attribute when the page is done, instead of the path --%>
<c:set var="onlineNowLocation" value="home" scope="request"/>
<c:set var="back" value="/"/>
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${onlineNowCount} online · online-now example</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${ctx}/static/app.css">
</head>
<body data-context-path="${fn:escapeXml(ctx)}" data-me="${fn:escapeXml(me)}" data-parts="${fn:escapeXml(ctx)}/parts/home">
<%@ include file="_topbar.jspf" %>

<main class="home">
  <section class="card intro">
    <c:choose>
      <c:when test="${empty me}">
        <h1>See who is here, right now.</h1>
        <p class="lead">This page is plain JSP and JSTL. A servlet filter counts who is active, and a
          WebSocket shows who is in each board with their live cursors. Pick a name to join in;
          open a second browser to see yourself from the other side.</p>
        <form class="sign-in" method="post" action="${ctx}/login" data-testid="sign-in-form">
          <label for="name">Your name</label>
          <div class="row">
            <input id="name" name="name" maxlength="32" autocomplete="nickname" required autofocus
                   placeholder="Ada Lovelace" value="${fn:escapeXml(typedName)}"
                   <c:if test="${not empty signInError}">aria-invalid="true" aria-describedby="name-error"</c:if>>
            <c:if test="${not empty next}"><input type="hidden" name="next" value="${fn:escapeXml(next)}"></c:if>
            <button type="submit" class="btn primary">Sign in</button>
          </div>
          <fieldset class="options">
            <legend>Demo options</legend>
            <label class="check"><input type="checkbox" name="staff" data-testid="sign-in-staff"> Staff: see members who hide</label>
            <label class="check"><input type="checkbox" name="hide" data-testid="sign-in-hide"> Hide my online status</label>
          </fieldset>
          <c:if test="${not empty signInError}">
            <p class="field-error" id="name-error" role="alert" data-testid="sign-in-error"><c:out value="${signInError}"/></p>
          </c:if>
          <p class="hint">Demo sign-in: no password, the name is your id.<c:if test="${not empty next}"> You will land on
            the board <strong><c:out value="${next}"/></strong>.</c:if></p>
        </form>
      </c:when>
      <c:otherwise>
        <h1>Hi <c:out value="${me}"/>, <span data-while-up="you are online." data-while-down="the server is not answering.">you are online.</span></h1>
        <p class="lead">Everyone below made a request in the last 5 minutes or has a page of this site
          open. Open a board to see who is in it and where their pointer is, live.<c:if test="${hiding}">
          <strong data-testid="hidden-note">You hide your online status:</strong> you are counted, but
          only staff and you see you listed.</c:if></p>
      </c:otherwise>
    </c:choose>
  </section>

  <section class="card online" id="online" data-refresh="online" aria-labelledby="online-title">
    <div class="card-head">
      <h2 id="online-title">Online now</h2>
      <span class="count-badge" data-testid="online-count-badge">${onlineNowCount}</span>
      <a class="card-link" href="${ctx}/who-is-online" data-testid="who-is-online-link">Who is where &rsaquo;</a>
    </div>
    <c:set var="hiddenListed" value="${0}"/>
    <c:choose>
      <c:when test="${empty onlineNow}">
        <p class="empty">Nobody is signed in yet. Be the first.</p>
      </c:when>
      <c:otherwise>
        <ul class="people" data-testid="online-list">
          <c:forEach var="u" items="${onlineNow}">
            <c:set var="mins" value="${(now.time - u.lastSeenMillis) div 60000}"/>
            <%-- u.hidden: a member who hides, listed only to staff (seeHidden) and to themself --%>
            <c:if test="${u.hidden}"><c:set var="hiddenListed" value="${hiddenListed + 1}"/></c:if>
            <li class="person${u.id eq me ? ' self' : ''}${u.hidden ? ' hidden-member' : ''}" data-user-id="${fn:escapeXml(u.id)}">
              <span class="avatar" style="background:${ex:color(u.id)}" aria-hidden="true"><c:out value="${ex:initials(u.name)}"/></span>
              <span class="person-text">
                <span class="person-name"><c:out value="${u.name}"/><c:if test="${u.id eq me}"> <span class="tag">you</span></c:if><c:if test="${u.hidden}"> <span class="tag hidden-tag" title="hides their online status: only staff and they see this">hidden</span></c:if></span>
                <time class="seen" datetime="${u.lastSeen}" title="<fmt:formatDate value='${u.lastSeenDate}' type='both' dateStyle='medium' timeStyle='medium'/>">
                  <c:choose>
                    <c:when test="${mins lt 1}">active now</c:when>
                    <c:otherwise><fmt:formatNumber value="${mins - (mins mod 1)}" maxFractionDigits="0"/> min ago</c:otherwise>
                  </c:choose>
                </time>
              </span>
            </li>
          </c:forEach>
        </ul>
      </c:otherwise>
    </c:choose>
    <%-- onlineNowCount counts hidden members too: say how many are not listed, and why --%>
    <c:set var="hiddenUnlisted" value="${onlineHiddenCount - hiddenListed}"/>
    <c:set var="moreUnlisted" value="${onlineNowCount - fn:length(onlineNow) - hiddenUnlisted}"/>
    <c:if test="${moreUnlisted gt 0}">
      <p class="more">and ${moreUnlisted}&nbsp;more</p>
    </c:if>
    <c:if test="${hiddenUnlisted gt 0}">
      <p class="guests" data-testid="hidden-count">
        <span class="avatar sm guest" aria-hidden="true">&#8226;</span>
        + ${hiddenUnlisted}&nbsp;${hiddenUnlisted eq 1 ? 'member' : 'members'} hiding their online status
      </p>
    </c:if>
    <c:if test="${onlineGuestCount gt 0}">
      <p class="guests" data-testid="guest-count">
        <span class="avatar sm guest" aria-hidden="true">?</span>
        + ${onlineGuestCount}&nbsp;${onlineGuestCount eq 1 ? 'guest' : 'guests'} browsing without signing in
      </p>
    </c:if>
    <c:if test="${onlineRobotCount gt 0}">
      <p class="guests" data-testid="robot-count">
        <span class="avatar sm guest" aria-hidden="true">&#9881;</span>
        <span>+ ${onlineRobotCount}&nbsp;${onlineRobotCount eq 1 ? 'robot' : 'robots'}:&#32;<c:forEach var="r" items="${onlineRobots}" varStatus="i"><c:out value="${r}"/>${i.last ? '' : ', '}</c:forEach></span>
      </p>
    </c:if>
    <c:if test="${onlineNowRecord.count gt 0}">
      <p class="record" data-testid="record">Most ever online: <strong>${onlineNowRecord.count}</strong>,
        <fmt:formatDate value="${onlineNowRecord.date}" type="both" dateStyle="medium" timeStyle="short"/></p>
    </c:if>
  </section>

  <section class="card rooms" data-refresh="boards" aria-labelledby="rooms-title">
    <div class="card-head">
      <h2 id="rooms-title">Boards</h2>
    </div>
    <ul class="board-list">
      <c:forEach var="b" items="${boards}">
        <li>
          <a class="board-link" href="${ctx}/whiteboard?board=${b.id}" data-testid="board-${b.id}">
            <span class="board-icon" style="--hue:${ex:hue(b.id)}" aria-hidden="true">#</span>
            <span class="board-text">
              <span class="board-title"><c:out value="${b.title}"/></span>
              <span class="board-desc"><c:out value="${b.description}"/></span>
            </span>
            <%-- in the live room now (the socket's presences), and "N viewing": people whose last page
                 was this board's, as a forum counts them (on:viewerCount of the page's label) --%>
            <c:set var="here" value="${inBoard[b.id]}"/>
            <c:set var="viewing" value="${on:viewerCount(ex:boardPlace(b.id))}"/>
            <span class="board-here" data-testid="board-${b.id}-here" data-count="${fn:length(here)}">
              <c:if test="${not empty here}">
                <span class="stack">
                  <c:forEach var="p" items="${here}" end="2">
                    <span class="avatar xs" style="background:${ex:color(p.id)}" title="${fn:escapeXml(p.name)}"><c:out value="${ex:initials(p.name)}"/></span>
                  </c:forEach>
                </span>
                <span class="here-n" title="in the board now">${fn:length(here)}&nbsp;here</span>
              </c:if>
              <c:if test="${viewing gt 0}">
                <span class="viewing-n" data-testid="board-${b.id}-viewing" data-count="${viewing}"
                      title="people whose last page is this board (active in the last 5 minutes)">${viewing}&nbsp;viewing</span>
              </c:if>
            </span>
            <span class="chevron" aria-hidden="true">&rsaquo;</span>
          </a>
        </li>
      </c:forEach>
    </ul>
    <form class="open-board" method="get" action="${ctx}/whiteboard">
      <label for="board">Or open any board</label>
      <div class="row">
        <input id="board" name="board" maxlength="40" pattern="[A-Za-z0-9][A-Za-z0-9_\-]*" placeholder="team-standup" required>
        <button type="submit" class="btn">Open</button>
      </div>
    </form>
  </section>

  <section class="card how" aria-labelledby="how-title">
    <details>
      <summary><h2 id="how-title">How this page is built</h2></summary>
      <p>The README's first steps, as a page like this one takes them. The filter, in
        <code>WEB-INF/web.xml</code>, sets the request attributes the JSP reads (this app writes the
        same settings as <code>online-now.</code> context-params, which the live endpoint shares):</p>
<pre data-readme-snippet><code>&lt;filter&gt;
  &lt;filter-name&gt;onlineNow&lt;/filter-name&gt;
  &lt;filter-class&gt;dev.onlinenow.OnlineNowFilter&lt;/filter-class&gt;
  &lt;!-- who the user is: here the session attribute "user", where an app with its own login keeps
       it; leave this out when the container signs users in (request.getRemoteUser()) --&gt;
  &lt;init-param&gt;&lt;param-name&gt;userId&lt;/param-name&gt;&lt;param-value&gt;session:user&lt;/param-value&gt;&lt;/init-param&gt;
&lt;/filter&gt;
&lt;filter-mapping&gt;&lt;filter-name&gt;onlineNow&lt;/filter-name&gt;&lt;url-pattern&gt;/*&lt;/url-pattern&gt;&lt;/filter-mapping&gt;</code></pre>
      <p>and a JSP lists who is online (JSTL in <code>WEB-INF/lib</code>):</p>
<pre data-readme-snippet><code>&lt;%@ taglib prefix="c" uri="jakarta.tags.core" %&gt;
&lt;%@ taglib prefix="fmt" uri="jakarta.tags.fmt" %&gt;

&lt;p&gt;${'$'}{onlineNowCount} online&lt;/p&gt;
&lt;ul&gt;
  &lt;c:forEach items="${'$'}{onlineNow}" var="u"&gt;
    &lt;li&gt;&lt;c:out value="${'$'}{u.name}"/&gt; &lt;small&gt;seen &lt;fmt:formatDate value="${'$'}{u.lastSeenDate}" type="time"/&gt;&lt;/small&gt;&lt;/li&gt;
  &lt;/c:forEach&gt;
&lt;/ul&gt;</code></pre>
      <p>The boards add one line, <code>&lt;listener&gt;&lt;listener-class&gt;dev.onlinenow.live.OnlineNowLive&lt;/listener-class&gt;&lt;/listener&gt;</code>,
        and the script <code>/online-now/online-now.js</code> served from the library's jar.</p>
    </details>
  </section>
</main>

<footer class="foot">online-now example &middot; JSP + JSTL + one filter &middot; no external assets</footer>
<script src="${ctx}/online-now/online-now.js" defer></script>
<script src="${ctx}/static/app.js" defer></script>
</body>
</html>
