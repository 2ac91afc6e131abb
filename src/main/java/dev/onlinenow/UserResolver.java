package dev.onlinenow;

import java.util.List;
import java.util.Map;

/**
 * Turns ids into displayable users, in one batch (one query, not one per user).
 *
 * <p>Name the implementation in the {@code resolver} setting; it needs a public constructor taking
 * either nothing or the {@link jakarta.servlet.ServletContext}. It is called lazily: only when a page
 * reads {@code onlineNow}, at most once per request, with the ids of {@code onlineNowIds}.
 * Ids it leaves out of its answer are shown with their id as the name.
 *
 * <pre>{@code
 * public class AccountResolver implements UserResolver {
 *     public Map<String, UserInfo> resolve(List<String> ids) {
 *         Map<String, UserInfo> out = new HashMap<>();
 *         for (Account a : accounts.findAllById(ids)) {
 *             out.put(a.getLogin(), new UserInfo(a.getDisplayName(), Map.of("avatar", a.getAvatarUrl())));
 *         }
 *         return out;
 *     }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface UserResolver {

    /** The default: every id is its own name. */
    UserResolver ID_AS_NAME = ids -> Map.of();

    /**
     * @param ids the ids to resolve, most recent first, never null
     * @return what is known about them, by id; missing ids fall back to the id as name
     * @throws Exception the failure is logged and the page gets the ids as names
     */
    Map<String, UserInfo> resolve(List<String> ids) throws Exception;
}
