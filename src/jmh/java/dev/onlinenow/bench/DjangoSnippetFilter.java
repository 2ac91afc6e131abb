package dev.onlinenow.bench;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ExpiryPolicyBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.impl.internal.TimeSourceConfiguration;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A faithful port of the Django snippet that issue 2 replaces, on the same Ehcache as online-now,
 * so the benchmark compares algorithms and not caches:
 *
 * <pre>
 * uids = cache.get('online-now', [])
 * online_keys = ['online-%s' % (u,) for u in uids]
 * fresh = cache.get_many(online_keys).keys()
 * online_now_ids = [int(k.replace('online-', '')) for k in fresh]
 * if request.user.is_authenticated():
 *     uid = request.user.id
 *     if uid in online_now_ids:
 *         online_now_ids.remove(uid)
 *     online_now_ids.append(uid)
 *     if len(online_now_ids) > ONLINE_MAX:
 *         del online_now_ids[0]
 * request.__class__.online_now_ids = online_now_ids
 * cache.set('online-%s' % (request.user.pk,), True, ONLINE_THRESHOLD)
 * cache.set('online-now', online_now_ids, ONLINE_THRESHOLD)
 * </pre>
 *
 * <p>One Ehcache cache holds both the index list under {@code online-now} and one
 * {@code online-<id>} key per user, every key with a time-to-live of the threshold (Django's
 * {@code cache.set(key, value, timeout)} restarts the timeout on every set, as Ehcache's
 * time-to-live does on every put). Where the port differs it favours the snippet: Ehcache keeps
 * values by reference, so the index list is not pickled and unpickled on every request as
 * Django's cache backends do; and the user's numeric id is parsed from the remote user (Django
 * has it as an int already), which costs a few nanoseconds.
 */
final class DjangoSnippetFilter implements Filter, AutoCloseable {

    static final String ATTRIBUTE = "online_now_ids";
    private static final String INDEX = "online-now";
    private static final String PREFIX = "online-";

    private final int onlineMax;
    private final CacheManager manager;
    private final Cache<String, Object> cache;

    DjangoSnippetFilter(Duration threshold, int onlineMax, long maxEntries, Clock clock) {
        this.onlineMax = onlineMax;
        this.manager = CacheManagerBuilder.newCacheManagerBuilder()
                .using(new TimeSourceConfiguration(clock::millis))
                .withCache("django", CacheConfigurationBuilder
                        .newCacheConfigurationBuilder(String.class, Object.class, ResourcePoolsBuilder.heap(maxEntries))
                        .withExpiry(ExpiryPolicyBuilder.timeToLiveExpiration(threshold)))
                .build(true);
        this.cache = manager.getCache("django", String.class, Object.class);
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        // uids = cache.get('online-now', [])
        @SuppressWarnings("unchecked")
        List<Long> uids = (List<Long>) cache.get(INDEX);
        if (uids == null) {
            uids = List.of();
        }
        // online_keys = ['online-%s' % (u,) for u in uids]
        List<String> onlineKeys = new ArrayList<>(uids.size());
        for (Long u : uids) {
            onlineKeys.add(PREFIX + u);
        }
        // fresh = cache.get_many(online_keys).keys(): the keys found, in the order asked
        Map<String, Object> found = cache.getAll(new LinkedHashSet<>(onlineKeys));
        List<String> fresh = new ArrayList<>(onlineKeys.size());
        for (String k : onlineKeys) {
            if (found.get(k) != null) {
                fresh.add(k);
            }
        }
        // online_now_ids = [int(k.replace('online-', '')) for k in fresh]
        List<Long> onlineNowIds = new ArrayList<>(fresh.size() + 1);
        for (String k : fresh) {
            onlineNowIds.add(Long.parseLong(k.replace(PREFIX, "")));
        }
        String user = request.getRemoteUser();
        Long uid = null;
        if (user != null) { // request.user.is_authenticated()
            uid = Long.valueOf(user);
            onlineNowIds.remove(uid); // if uid in online_now_ids: online_now_ids.remove(uid)
            onlineNowIds.add(uid);
            if (onlineNowIds.size() > onlineMax) {
                onlineNowIds.remove(0);
            }
        }
        request.setAttribute(ATTRIBUTE, onlineNowIds);
        cache.put(PREFIX + (uid == null ? "None" : uid), Boolean.TRUE); // request.user.pk is None for a guest
        cache.put(INDEX, onlineNowIds);
        chain.doFilter(req, res);
    }

    /** Marks {@code uid} online as the snippet would, without a request (setup). */
    void seed(long uid) {
        cache.put(PREFIX + uid, Boolean.TRUE);
    }

    /** Sets the index list (setup: the last ONLINE_MAX users seeded). */
    void seedIndex(List<Long> uids) {
        cache.put(INDEX, new ArrayList<>(uids));
    }

    @Override
    public void close() {
        manager.close();
    }
}
