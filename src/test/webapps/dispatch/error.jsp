<%@ page contentType="text/html; charset=UTF-8" session="false" isErrorPage="true" %>
<p id="error">not here; ${onlineNowCount} online</p>
