<%@ page contentType="text/html; charset=UTF-8" session="false" %>
<%@ taglib prefix="c" uri="jakarta.tags.core" %>
<p id="shown">${onlineNowCount} online, ${onlineGuestCount} guests, ${onlineHiddenCount} hidden, ${onlineRobotCount} robots, record ${onlineNowRecord.count}, ids <c:forEach items="${onlineNowIds}" var="id">[${id}]</c:forEach>, users <c:forEach items="${onlineNow}" var="u">[${u.name}]</c:forEach></p>
