<%@ page session="false" %><jsp:forward page="/shown.jsp"/>
