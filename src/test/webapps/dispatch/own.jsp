<%@ page contentType="text/html; charset=UTF-8" session="false" import="java.util.Collections,java.util.TreeSet" %>
<%@ taglib prefix="c" uri="jakarta.tags.core" %>
<p id="names"><%= new TreeSet<>(Collections.list(request.getAttributeNames())).tailSet("online").headSet("onlinf") %></p>
<c:remove var="onlineNowCount" scope="request"/>
<c:set var="onlineGuestCount" value="seven" scope="request"/>
<% request.setAttribute("onlineNowIds", java.util.List.of("zed")); %>
<p id="own">[${onlineNowCount}] [${onlineGuestCount}] [${onlineNowIds}] [${onlineRobotCount}]</p>
<p id="after"><%= new TreeSet<>(Collections.list(request.getAttributeNames())).tailSet("online").headSet("onlinf") %></p>
