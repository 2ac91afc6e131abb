<%@ page contentType="text/html; charset=UTF-8" %>
<%@ include file="_head.jspf" %>
<jsp:useBean id="now" class="java.util.Date"/>
<c:set var="onlineNowLocation" value="who-is-online" scope="request"/>
<c:set var="back" value="/who-is-online"/>
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${onlineNowCount} online · Who is online · online-now example</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${ctx}/static/app.css">
</head>
<body data-context-path="${fn:escapeXml(ctx)}" data-me="${fn:escapeXml(me)}" data-parts="${fn:escapeXml(ctx)}/parts/who-is-online">
<%@ include file="_topbar.jspf" %>

<main class="home single">
  <%-- Everything below is the filter's request attributes and EL functions, as any JSP reads them;
       the page re-reads these sections when the live "online" frame says something changed. --%>
  <section class="card intro" data-refresh="totals" aria-labelledby="who-title">
    <a class="crumb" href="${ctx}/">&lsaquo; Home</a>
    <h1 id="who-title">Who is online</h1>
    <p class="lead" data-testid="totals">
      <strong data-testid="total-count">${onlineNowCount + onlineGuestCount}</strong>
      ${onlineNowCount + onlineGuestCount eq 1 ? 'person is' : 'people are'} online:
      <span data-testid="members">${onlineNowCount}&nbsp;${onlineNowCount eq 1 ? 'member' : 'members'}</span><c:if test="${onlineHiddenCount gt 0}">
      (<span data-testid="hidden-total">${onlineHiddenCount}&nbsp;hidden</span>)</c:if>
      and <span data-testid="guests">${onlineGuestCount}&nbsp;${onlineGuestCount eq 1 ? 'guest' : 'guests'}</span>,
      active in the last 5 minutes; and
      <span data-testid="robots-total">${onlineRobotCount}</span>&nbsp;${onlineRobotCount eq 1 ? 'robot' : 'robots'}, counted apart.
    </p>
    <p class="record" data-testid="record">
      <c:choose>
        <c:when test="${onlineNowRecord.count gt 0}">Most ever online: <strong data-testid="record-count">${onlineNowRecord.count}</strong>,
          <time data-testid="record-date" datetime="${onlineNowRecord.instant}"><fmt:formatDate value="${onlineNowRecord.date}" type="both" dateStyle="long" timeStyle="short"/></time>.</c:when>
        <c:otherwise>Nobody has been online yet.</c:otherwise>
      </c:choose>
    </p>
  </section>

  <section class="card" data-refresh="members" aria-labelledby="members-title">
    <div class="card-head">
      <h2 id="members-title">Members</h2>
      <span class="count-badge">${onlineNowCount}</span>
    </div>
    <c:set var="hiddenListed" value="${0}"/>
    <c:choose>
      <c:when test="${empty onlineNow}">
        <p class="empty">No member is online.</p>
      </c:when>
      <c:otherwise>
        <table class="who" data-testid="who-list">
          <thead><tr><th scope="col">Member</th><th scope="col">Where</th><th scope="col">Last seen</th></tr></thead>
          <tbody>
            <c:forEach var="u" items="${onlineNow}">
              <c:set var="mins" value="${(now.time - u.lastSeenMillis) div 60000}"/>
              <c:if test="${u.hidden}"><c:set var="hiddenListed" value="${hiddenListed + 1}"/></c:if>
              <tr class="${u.id eq me ? 'self' : ''}${u.hidden ? ' hidden-member' : ''}" data-member-id="${fn:escapeXml(u.id)}" data-hidden="${u.hidden}">
                <td>
                  <span class="member">
                    <span class="avatar sm" style="background:${ex:color(u.id)}" aria-hidden="true"><c:out value="${ex:initials(u.name)}"/></span>
                    <span class="person-name"><c:out value="${u.name}"/></span>
                    <c:if test="${u.id eq me}"><span class="tag">you</span></c:if>
                    <c:if test="${u.hidden}"><span class="tag hidden-tag" title="hides their online status: only staff and they see this">hidden</span></c:if>
                  </span>
                </td>
                <%-- u.location: the label of their last page (onlineNowLocation), or its path; the
                     viewer is here, which the filter records when this page is done --%>
                <c:set var="where" value="${ex:place(u.id eq me ? onlineNowLocation : u.location)}"/>
                <td class="where" data-testid="where"><c:out value="${empty where ? '—' : where}"/></td>
                <td>
                  <time class="seen" datetime="${u.lastSeen}" title="<fmt:formatDate value='${u.lastSeenDate}' type='both' dateStyle='medium' timeStyle='medium'/>">
                    <c:choose>
                      <c:when test="${mins lt 1}">active now</c:when>
                      <c:otherwise><fmt:formatNumber value="${mins - (mins mod 1)}" maxFractionDigits="0"/> min ago</c:otherwise>
                    </c:choose>
                  </time>
                </td>
              </tr>
            </c:forEach>
          </tbody>
        </table>
      </c:otherwise>
    </c:choose>
    <c:set var="hiddenUnlisted" value="${onlineHiddenCount - hiddenListed}"/>
    <c:if test="${hiddenUnlisted gt 0}">
      <p class="guests" data-testid="hidden-count">
        <span class="avatar sm guest" aria-hidden="true">&#8226;</span>
        + ${hiddenUnlisted}&nbsp;${hiddenUnlisted eq 1 ? 'member hides' : 'members hide'} their online status (staff see who)
      </p>
    </c:if>
    <c:if test="${onlineNowCount - fn:length(onlineNow) - hiddenUnlisted gt 0}">
      <p class="more">and ${onlineNowCount - fn:length(onlineNow) - hiddenUnlisted}&nbsp;more</p>
    </c:if>
  </section>

  <section class="card" data-refresh="others" aria-labelledby="others-title">
    <div class="card-head"><h2 id="others-title">Guests and robots</h2></div>
    <p class="guests" data-testid="guest-line">
      <span class="avatar sm guest" aria-hidden="true">?</span>
      ${onlineGuestCount}&nbsp;${onlineGuestCount eq 1 ? 'guest' : 'guests'} browsing without signing in
    </p>
    <div class="guests robots" data-testid="robot-line">
      <span class="avatar sm guest" aria-hidden="true">&#9881;</span>
      <span>${onlineRobotCount}&nbsp;${onlineRobotCount eq 1 ? 'robot' : 'robots'}<c:if test="${onlineRobotCount gt 0}">:&#32;</c:if>
        <%-- names as the robots' User-Agents gave them: escaped, as any text from a client --%>
        <c:forEach var="r" items="${onlineRobots}" varStatus="i"><span class="robot" data-testid="robot"><c:out value="${r}"/></span>${i.last ? '' : ', '}</c:forEach>
      </span>
    </div>
  </section>

  <section class="card" data-refresh="boards" aria-labelledby="boards-title">
    <div class="card-head"><h2 id="boards-title">Boards</h2></div>
    <ul class="board-list compact">
      <c:forEach var="b" items="${boards}">
        <c:set var="viewing" value="${on:viewerCount(ex:boardPlace(b.id))}"/>
        <li>
          <a class="board-link" href="${ctx}/whiteboard?board=${b.id}">
            <span class="board-icon" style="--hue:${ex:hue(b.id)}" aria-hidden="true">#</span>
            <span class="board-text"><span class="board-title"><c:out value="${b.title}"/></span></span>
            <span class="here-n" data-testid="board-${b.id}-viewing" data-count="${viewing}">${viewing}&nbsp;viewing</span>
          </a>
        </li>
      </c:forEach>
    </ul>
  </section>
</main>

<footer class="foot">online-now example &middot; who is online, as forums show it &middot; plain JSP</footer>
<script src="${ctx}/online-now/online-now.js" defer></script>
<script src="${ctx}/static/app.js" defer></script>
</body>
</html>
