<%@ page contentType="text/html; charset=UTF-8" session="false" %><p id="outer">${onlineNowCount} online</p><jsp:include page="/shown.jsp"/>
