<%@ page contentType="text/html; charset=UTF-8" %>
<!doctype html>
<html><body>
<form id="login" method="post" action="j_security_check">
  <input name="j_username"> <input name="j_password" type="password"> <button>Sign in</button>
</form>
</body></html>
