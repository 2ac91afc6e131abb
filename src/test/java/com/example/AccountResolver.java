package com.example;

import dev.onlinenow.UserInfo;
import dev.onlinenow.UserResolver;
import jakarta.servlet.ServletContext;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The class the resolver snippet of docs/settings.md names ({@code com.example.AccountResolver}), standing in
 * for an app's own: ReadmeSnippetsIT deploys the snippet's init-param as written, and this gives
 * every id but "nobody" a display name, "Account " + the id in capitals.
 */
public class AccountResolver implements UserResolver {

    public AccountResolver(ServletContext context) {
        if (context == null) {
            throw new IllegalArgumentException("docs/settings.md says a resolver may take the ServletContext");
        }
    }

    @Override
    public Map<String, UserInfo> resolve(List<String> ids) {
        Map<String, UserInfo> out = new HashMap<>();
        for (String id : ids) {
            if (!id.equals("nobody")) {
                out.put(id, new UserInfo("Account " + id.toUpperCase(Locale.ROOT), Map.of()));
            }
        }
        return out;
    }
}
