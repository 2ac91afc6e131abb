<%@ page contentType="text/html;charset=UTF-8" %><!DOCTYPE html>
<p id="counts">${onlineGuestCount} guests, ${onlineNowCount} online</p>
<p id="me"><%= dev.onlinenow.OnlineNow.get(application).guestOf(session) %></p>
