<%@ page contentType="text/html;charset=UTF-8" %><!DOCTYPE html>
<title>online</title>
<p>${onlineNowCount} online</p>
