package dev.onlinenow.redis;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.internal.RateLimitedLog;
import dev.onlinenow.internal.store.EhcachePresenceStore;
import dev.onlinenow.store.LastSeen;
import dev.onlinenow.store.PresenceStore;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A presence store kept in one Redis sorted set ({@code ns:NAME}) shared by every node, with a
 * local in-process index in front of it.
 *
 * <p>Requests never talk to Redis: {@link #touch} writes to the local index and a buffer that the
 * node's thread sends once per flush interval as one {@code ZADD GT}; the reads answer from a view
 * of Redis that the same thread refreshes (count and top ids), merged with the local index, so a
 * user always sees themselves. While Redis is down, the local index answers alone.
 */
final class RedisPresenceStore implements PresenceStore {

    private static final System.Logger LOG = System.getLogger(RedisPresenceStore.class.getName());

    /** Members per ZADD when many are sent at once (registering again after an outage). */
    static final int CHUNK = 1000;
    /** The most single-id look-ups kept (ids of other nodes' users asked about one by one). */
    static final int MAX_LOOKUPS = 10_000;

    private static final Comparator<LastSeen> NEWEST_FIRST =
            Comparator.comparingLong(LastSeen::epochMilli).reversed().thenComparing(LastSeen::id);

    /*
     * Design notes.
     *
     * Write coalescing. `pending` maps an id to its latest unsent event: a positive value is a
     * touch at that epoch millisecond, a negative one a removal (logout) at minus that. The node's
     * thread copies it, removes exactly the entries it copied (remove(k, v): a newer event of the
     * same id stays for the next round), and sends the copy as one ZREM and one ZADD GT. GT keeps
     * the newest time whatever order nodes flush in. If the send fails, the copied events go back
     * unless a newer one came meanwhile, so an outage loses no logout; touches are also covered by
     * registering the whole local index again when Redis is back.
     *
     * The view. Each round that follows a read or sends writes also sends ZCOUNT and
     * ZREVRANGEBYSCORE in the same pipeline, after the writes, so the view includes them. Between rounds the view is up to one interval old; what this node did since is
     * merged in: the local index for the list and last-seen times (it has this node's users at
     * full precision), `arrivals` (ids that came online here since) and `removals` (ids logged out
     * here since) for the count. Both are emptied by the round that sends them, entry by entry, so
     * an arrival is never counted twice and never missed.
     *
     * The local index is an EhcachePresenceStore: the same code as store=ehcache, with its memory
     * bound, exact count and expiry. It is also what this node registers again after an outage.
     */

    /*
     * Locations. Each id's last location is kept in the hash {KEY}:loc (field id, value
     * "AT LOCATION": the time of the move, a space, the location), and the ids at a location in
     * the sorted set {KEY}:at:LOCATION (score: last seen), with the set {KEY}:locs naming the
     * locations that have such a set. The hash tag {KEY} puts them in one slot, so a script may
     * move an id between two locations in one step (Redis Cluster too). Every round sends, for
     * each id touched on this node, its local location (MOVE: a newer move wins, whatever order
     * the nodes flush in); a logout takes the id off (LEAVE); a prune round drops who expired
     * (PRUNE). Reads (countAt, recentAt) ask Redis for one location, and remember the answer for
     * a flush interval, merged with what this node did since. An id still at the same location
     * gets its score in the location's sorted set every round (ZADD GT), but its time in {KEY}:loc
     * only once it is 10 s newer than the one there: a live socket touches its user at every frame,
     * and that HSET every round was a third of the script's work for nothing but ordering moves
     * between nodes, which a time up to 10 s old still orders (a move elsewhere since wins, and
     * this node's next sighting moves the id back).
     */
    static final String MOVE = String.join("\n",
            "local ttl = ARGV[2]",
            "redis.call('PEXPIRE', KEYS[1], ttl)",
            "for i = 3, #ARGV, 3 do",
            "  local id, loc, at = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])",
            "  local old = redis.call('HGET', KEYS[1], id)",
            "  local oldAt, oldLoc = -1, false",
            "  if old then",
            "    local sp = string.find(old, ' ', 1, true)",
            "    oldAt = tonumber(string.sub(old, 1, sp - 1))",
            "    oldLoc = string.sub(old, sp + 1)",
            "  end",
            "  if oldLoc == loc then",
            "    redis.call('ZADD', ARGV[1] .. loc, 'GT', at, id)",
            "    if at - oldAt >= 10000 then redis.call('HSET', KEYS[1], id, at .. ' ' .. loc) end",
            "  elseif at >= oldAt then",
            "    if oldLoc then redis.call('ZREM', ARGV[1] .. oldLoc, id) end",
            "    redis.call('HSET', KEYS[1], id, at .. ' ' .. loc)",
            "    redis.call('SADD', KEYS[2], loc)",
            "    redis.call('PEXPIRE', KEYS[2], ttl)",
            "    redis.call('ZADD', ARGV[1] .. loc, 'GT', at, id)",
            "    redis.call('PEXPIRE', ARGV[1] .. loc, ttl)",
            "  end",
            "end",
            "return 0");
    static final String LEAVE = String.join("\n",
            "for i = 2, #ARGV do",
            "  local old = redis.call('HGET', KEYS[1], ARGV[i])",
            "  if old then",
            "    local loc = string.sub(old, string.find(old, ' ', 1, true) + 1)",
            "    redis.call('ZREM', ARGV[1] .. loc, ARGV[i])",
            "    redis.call('HDEL', KEYS[1], ARGV[i])",
            "  end",
            "end",
            "return 0");
    static final String PRUNE = String.join("\n",
            "for _, loc in ipairs(redis.call('SMEMBERS', KEYS[2])) do",
            "  local k = ARGV[1] .. loc",
            "  for _, id in ipairs(redis.call('ZRANGEBYSCORE', k, '-inf', ARGV[2])) do",
            "    local v = redis.call('HGET', KEYS[1], id)",
            "    if v and string.sub(v, string.find(v, ' ', 1, true) + 1) == loc then redis.call('HDEL', KEYS[1], id) end",
            "  end",
            "  redis.call('ZREMRANGEBYSCORE', k, '-inf', ARGV[2])",
            "  if redis.call('ZCARD', k) == 0 then",
            "    redis.call('SREM', KEYS[2], loc)",
            "    redis.call('DEL', k)",
            "  else",
            "    redis.call('PEXPIRE', k, ARGV[3])",
            "  end",
            "end",
            "redis.call('PEXPIRE', KEYS[1], ARGV[3])",
            "redis.call('PEXPIRE', KEYS[2], ARGV[3])",
            "return 0");

    private final RedisNode node;
    private final String name;
    private final String key;
    private final String locKey;
    private final String locsKey;
    private final String atPrefix;
    private final ConcurrentHashMap<String, LocationView> locationViews = new ConcurrentHashMap<>();
    private final Clock clock;
    private final long thresholdMillis;
    private final int maxTracked;
    private final EhcachePresenceStore local;
    private final ConcurrentHashMap<String, Long> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> arrivals = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> removals = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Lookup> lookups = new ConcurrentHashMap<>();
    private final RateLimitedLog warn = new RateLimitedLog(LOG);
    private final AtomicBoolean warnedCommand = new AtomicBoolean();
    private volatile View view;
    /** Someone read the view since the last round (written only when false: a shared field). */
    private volatile boolean read;
    private volatile int listLimit;
    private volatile boolean closed;
    private boolean needsExpire = true; // the node's thread only

    RedisPresenceStore(RedisNode node, String name, OnlineNowSettings settings) {
        this.node = node;
        this.name = name;
        this.key = settings.redisNamespace() + ":" + name;
        this.locKey = "{" + key + "}:loc";
        this.locsKey = "{" + key + "}:locs";
        this.atPrefix = "{" + key + "}:at:";
        this.clock = settings.clock();
        this.thresholdMillis = settings.threshold().toMillis();
        this.maxTracked = settings.maxTracked();
        this.listLimit = settings.maxCount();
        this.local = new EhcachePresenceStore(name, settings.threshold(), maxTracked, clock);
    }

    RedisNode node() {
        return node;
    }

    /** The Redis key of this store's sorted set. */
    String key() {
        return key;
    }

    @Override
    public void touch(String id) {
        Objects.requireNonNull(id, "id");
        long now = clock.millis();
        boolean wasOnline = local.lastSeen(id).isPresent();
        local.touch(id);
        View v = view;
        if (!wasOnline && (v == null || !v.top.containsKey(id))) {
            // an id the view lists (online on another node) is counted there already
            arrivals.putIfAbsent(id, now);
        }
        removals.remove(id);
        enqueue(id, now);
    }

    @Override
    public boolean remove(String id) {
        long now = clock.millis();
        boolean wasHere = local.remove(id);
        View v = view;
        boolean wasThere = v != null && v.top.containsKey(id);
        // an arrival not sent yet is in no view: taking it off the view's count too would count
        // others short (the count said 0 while the list showed another node's user)
        boolean unsent = arrivals.remove(id) != null;
        lookups.remove(id);
        if (wasThere || (wasHere && !unsent)) {
            removals.put(id, now); // counted in the view: take it off until the next round
        }
        enqueue(id, -now);
        return wasHere || wasThere;
    }

    private void enqueue(String id, long event) {
        if (pending.size() >= maxTracked && !pending.containsKey(id)) {
            warn.warn("pending full", () -> "online-now: more than maxTracked=" + maxTracked + " " + name
                    + " are waiting to be sent to Redis; dropping the excess until it answers again", null);
            return;
        }
        pending.merge(id, event, (old, now) -> Math.abs(now) >= Math.abs(old) ? now : old);
    }

    @Override
    public long count() {
        if (!read) {
            read = true;
        }
        View v = usableView();
        long mine = local.count();
        if (v == null) {
            return mine;
        }
        long c = v.count + arrivals.size() - removals.size();
        return Math.max(c, mine);
    }

    @Override
    public List<LastSeen> recent(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        if (!read) {
            read = true;
        }
        if (limit > listLimit) {
            listLimit = limit; // the next round fetches that many
        }
        List<LastSeen> mine = local.recent(limit);
        View v = usableView();
        if (v == null) {
            return mine;
        }
        long cutoff = clock.millis() - thresholdMillis;
        Map<String, Long> best = new HashMap<>();
        for (LastSeen s : v.list) {
            if (s.epochMilli() > cutoff && !removedSince(s.id(), s.epochMilli())) {
                best.merge(s.id(), s.epochMilli(), Math::max);
            }
        }
        for (LastSeen s : mine) {
            best.merge(s.id(), s.epochMilli(), Math::max);
        }
        List<LastSeen> out = new ArrayList<>(best.size());
        best.forEach((id, at) -> out.add(new LastSeen(id, at)));
        out.sort(NEWEST_FIRST);
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : Collections.unmodifiableList(out);
    }

    @Override
    public Optional<Instant> lastSeen(String id) {
        Optional<Instant> mine = local.lastSeen(id);
        if (mine.isPresent()) {
            return mine; // this node's own user: its time is the freshest there is
        }
        View v = usableView();
        if (v == null) {
            return Optional.empty();
        }
        long now = clock.millis();
        long at;
        Long inView = v.top.get(id);
        if (inView != null) {
            at = inView;
        } else {
            at = lookUp(id, now);
        }
        if (at <= 0 || now - at >= thresholdMillis || removedSince(id, at)) {
            return Optional.empty();
        }
        return Optional.of(Instant.ofEpochMilli(at));
    }

    /**
     * Another node's user outside the view: one ZSCORE, remembered for a flush interval so a page
     * asking about the same user on every request costs Redis one command per interval.
     */
    private long lookUp(String id, long now) {
        Lookup l = lookups.get(id);
        if (l != null && now - l.fetchedAt < node.readIntervalMillis() && now >= l.fetchedAt) {
            return l.at;
        }
        RedisClusterAsyncCommands<String, String> c = node.commandsIfHealthy();
        if (c == null) {
            return 0;
        }
        Double score = node.await(c.zscore(key, id));
        long at = score == null ? 0 : score.longValue();
        if (lookups.size() >= MAX_LOOKUPS) {
            lookups.clear();
        }
        lookups.put(id, new Lookup(at, now));
        return at;
    }

    private boolean removedSince(String id, long at) {
        Long removedAt = removals.get(id);
        return removedAt != null && removedAt >= at;
    }

    /** The view of Redis, or null when only the local index can answer. */
    private View usableView() {
        View v = view;
        if (!node.healthy() || v == null) {
            return null;
        }
        long age = clock.millis() - v.takenAt;
        if (age > 2 * node.readIntervalMillis() || age < 0) {
            node.refreshSoon();
        }
        return v;
    }

    @Override
    public boolean locate(String id, String location) {
        String before = local.locationOf(id);
        boolean online = local.locate(id, location);
        if (online && !location.equals(before)) {
            enqueue(id, clock.millis()); // the move reaches Redis in the next round, request or not
        }
        return online;
    }

    @Override
    public long countAt(String location) {
        LocationView v = locationView(location);
        long mine = local.countAt(location);
        return v == null ? mine : Math.max(v.count, mine);
    }

    @Override
    public List<LastSeen> recentAt(String location, int limit) {
        List<LastSeen> mine = local.recentAt(location, limit);
        LocationView v = locationView(location);
        if (v == null || limit <= 0) {
            return mine;
        }
        long cutoff = clock.millis() - thresholdMillis;
        Map<String, LastSeen> best = new HashMap<>();
        for (LastSeen s : v.list) {
            // an id of this node that moved elsewhere since: the local index knows better
            String here = s.epochMilli() > cutoff && !removedSince(s.id(), s.epochMilli()) ? local.locationOf(s.id()) : "";
            if (here == null || location.equals(here)) {
                best.merge(s.id(), s, (a, b) -> a.epochMilli() >= b.epochMilli() ? a : b);
            }
        }
        for (LastSeen s : mine) {
            best.merge(s.id(), s, (a, b) -> a.epochMilli() >= b.epochMilli() ? a : b);
        }
        List<LastSeen> out = new ArrayList<>(best.values());
        out.sort(NEWEST_FIRST);
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : Collections.unmodifiableList(out);
    }

    /**
     * What Redis says about one location, asked from the request thread at most once a flush
     * interval per location (like a single id's look-up); null while Redis is down.
     */
    private LocationView locationView(String location) {
        long now = clock.millis();
        LocationView v = locationViews.get(location);
        if (v != null && now - v.fetchedAt < node.readIntervalMillis() && now >= v.fetchedAt) {
            return v;
        }
        RedisClusterAsyncCommands<String, String> redis = node.commandsIfHealthy();
        if (redis == null) {
            return null;
        }
        long cutoff = now - thresholdMillis;
        RedisFuture<Long> count = redis.zcount(atPrefix + location, exclusiveFrom(cutoff));
        RedisFuture<List<ScoredValue<String>>> top = redis.zrevrangebyscoreWithScores(atPrefix + location,
                exclusiveFrom(cutoff), Limit.create(0, Math.max(listLimit, 1)));
        Long n = node.await(count);
        List<ScoredValue<String>> got = node.await(top);
        if (n == null || got == null) {
            return null;
        }
        List<LastSeen> list = new ArrayList<>(got.size());
        for (ScoredValue<String> sv : got) {
            list.add(new LastSeen(sv.getValue(), (long) sv.getScore(), location));
        }
        if (locationViews.size() >= MAX_LOOKUPS) {
            locationViews.clear();
        }
        v = new LocationView(n, List.copyOf(list), now);
        locationViews.put(location, v);
        return v;
    }

    private record LocationView(long count, List<LastSeen> list, long fetchedAt) {
    }

    @Override
    public void sweep() {
        local.sweep();
        long now = clock.millis();
        lookups.values().removeIf(l -> now - l.fetchedAt >= node.readIntervalMillis());
        locationViews.values().removeIf(l -> now - l.fetchedAt() >= node.readIntervalMillis());
        // a correction whose event never reached Redis (dropped while pending was full) must not
        // shift the count for good: past the threshold it is moot either way
        arrivals.values().removeIf(at -> now - at >= thresholdMillis);
        removals.values().removeIf(at -> now - at >= thresholdMillis);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            node.release();
        }
    }

    void closeLocal() {
        local.close();
    }

    @Override
    public String toString() {
        return "RedisPresenceStore[" + key + " on " + node + "]";
    }

    // --- the node's thread ---------------------------------------------------------------

    /**
     * One round: sends what is pending and, if someone read since the last round, refreshes the
     * view in the same pipeline. Waits for the answers at most {@code redisTimeout}.
     *
     * @return false if there was nothing to send
     * @throws RuntimeException when Redis did not answer; the events go back to pending
     */
    boolean flush(RedisClusterAsyncCommands<String, String> redis, long now, boolean prune) {
        Map<String, Long> batch = new HashMap<>(pending);
        for (Map.Entry<String, Long> e : batch.entrySet()) {
            pending.remove(e.getKey(), e.getValue());
        }
        List<ScoredValue<String>> touched = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        batch.forEach((id, event) -> {
            if (event > 0) {
                touched.add(ScoredValue.just(event, id));
            } else {
                removed.add(id);
            }
        });
        // the view is refreshed when someone read it since the last round, or when we wrote (so
        // that it includes this node's writes), and on every prune; otherwise nothing is sent
        boolean refresh = read || !batch.isEmpty() || view == null || prune;
        if (!refresh) {
            return false;
        }
        read = false;
        int limit = listLimit;
        long cutoff = now - thresholdMillis;

        List<RedisFuture<?>> writes = new ArrayList<>();
        try {
            if (!removed.isEmpty()) {
                writes.add(redis.zrem(key, removed.toArray(new String[0])));
            }
            for (int i = 0; i < touched.size(); i += CHUNK) {
                writes.add(zaddGt(redis, touched.subList(i, Math.min(touched.size(), i + CHUNK))));
            }
            if (prune) {
                writes.add(redis.zremrangebyscore(key, Range.from(Range.Boundary.<Long>unbounded(), Range.Boundary.including(cutoff))));
            }
            locationWrites(redis, touched, removed, prune, cutoff, writes);
            // a key our ZADD may have just created has no TTL yet: give it one in the same round,
            // so that a namespace whose nodes all stop soon after does not stay forever
            RedisFuture<Boolean> expire = prune || (needsExpire && !touched.isEmpty())
                    ? redis.pexpire(key, thresholdMillis + 2 * node.pruneIntervalMillis()) : null;
            RedisFuture<Long> count = redis.zcount(key, exclusiveFrom(cutoff));
            RedisFuture<List<ScoredValue<String>>> top =
                    redis.zrevrangebyscoreWithScores(key, exclusiveFrom(cutoff), Limit.create(0, limit));
            long timeout = node.settings().redisTimeout().toMillis();
            for (RedisFuture<?> f : writes) {
                f.get(timeout, TimeUnit.MILLISECONDS);
            }
            if (expire != null) {
                needsExpire = !Boolean.TRUE.equals(expire.get(timeout, TimeUnit.MILLISECONDS));
            }
            long c = count.get(timeout, TimeUnit.MILLISECONDS);
            List<ScoredValue<String>> got = top.get(timeout, TimeUnit.MILLISECONDS);
            List<LastSeen> list = new ArrayList<>(got.size());
            for (ScoredValue<String> sv : got) {
                list.add(new LastSeen(sv.getValue(), (long) sv.getScore()));
            }
            view = new View(c, list, now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            restore(batch);
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            restore(batch);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause != null && String.valueOf(cause.getMessage()).contains("syntax error")
                    && warnedCommand.compareAndSet(false, true)) {
                LOG.log(Level.ERROR, "online-now: Redis refused ZADD GT; store=redis needs Redis 6.2 or later");
            }
            throw cause instanceof RuntimeException ? (RuntimeException) cause : new IllegalStateException(cause);
        }
        // sent and counted: these no longer need the local correction
        for (ScoredValue<String> sv : touched) {
            long at = (long) sv.getScore();
            arrivals.computeIfPresent(sv.getValue(), (id, first) -> first <= at ? null : first);
        }
        for (String id : removed) {
            removals.remove(id, -batch.get(id));
        }
        return true;
    }

    /* The locations of this round's touched ids (as the local index has them), its logouts, and a prune. */
    private void locationWrites(RedisClusterAsyncCommands<String, String> redis, List<ScoredValue<String>> touched,
                                List<String> removed, boolean prune, long cutoff, List<RedisFuture<?>> writes) {
        String ttl = Long.toString(thresholdMillis + 2 * node.pruneIntervalMillis());
        List<String> args = new ArrayList<>();
        for (ScoredValue<String> sv : touched) {
            String location = local.locationOf(sv.getValue());
            if (location == null) {
                continue;
            }
            if (args.isEmpty()) {
                args.add(atPrefix);
                args.add(ttl);
            }
            args.add(sv.getValue());
            args.add(location);
            args.add(Long.toString((long) sv.getScore()));
            if (args.size() >= 2 + 3 * CHUNK) {
                writes.add(redis.eval(MOVE, ScriptOutputType.INTEGER, new String[] {locKey, locsKey}, args.toArray(new String[0])));
                args.clear();
            }
        }
        if (!args.isEmpty()) {
            writes.add(redis.eval(MOVE, ScriptOutputType.INTEGER, new String[] {locKey, locsKey}, args.toArray(new String[0])));
        }
        if (!removed.isEmpty()) {
            List<String> gone = new ArrayList<>(removed.size() + 1);
            gone.add(atPrefix);
            gone.addAll(removed);
            writes.add(redis.eval(LEAVE, ScriptOutputType.INTEGER, new String[] {locKey, locsKey}, gone.toArray(new String[0])));
        }
        if (prune) {
            writes.add(redis.eval(PRUNE, ScriptOutputType.INTEGER, new String[] {locKey, locsKey},
                    atPrefix, Long.toString(cutoff), ttl));
        }
    }

    /**
     * Registers every id of the local index again (Redis came back, maybe empty). ZADD GT never
     * moves an id back in time, so this is harmless when Redis had them all along.
     */
    void registerAll(RedisClusterAsyncCommands<String, String> redis) {
        List<LastSeen> all = local.recent(maxTracked);
        if (all.isEmpty()) {
            return;
        }
        List<RedisFuture<Long>> sent = new ArrayList<>();
        List<ScoredValue<String>> chunk = new ArrayList<>(CHUNK);
        for (LastSeen s : all) {
            chunk.add(ScoredValue.just(s.epochMilli(), s.id()));
            if (chunk.size() == CHUNK) {
                sent.add(zaddGt(redis, chunk));
                chunk = new ArrayList<>(CHUNK);
            }
        }
        if (!chunk.isEmpty()) {
            sent.add(zaddGt(redis, chunk));
        }
        long timeout = node.settings().redisTimeout().toMillis();
        try {
            for (RedisFuture<Long> f : sent) {
                f.get(timeout, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e instanceof ExecutionException ? e.getCause() : e);
        }
        needsExpire = true;
        LOG.log(Level.INFO, "online-now: registered " + all.size() + " " + name + " of this server in Redis again");
    }

    @SuppressWarnings("unchecked")
    private RedisFuture<Long> zaddGt(RedisClusterAsyncCommands<String, String> redis, List<ScoredValue<String>> members) {
        return redis.zadd(key, ZAddArgs.Builder.gt(), members.toArray(new ScoredValue[0]));
    }

    private void restore(Map<String, Long> batch) {
        batch.forEach(pending::putIfAbsent);
    }

    private static Range<Long> exclusiveFrom(long cutoff) {
        return Range.from(Range.Boundary.excluding(cutoff), Range.Boundary.unbounded());
    }

    /** What Redis said at {@code takenAt}: the exact count and the most recent ids. */
    private static final class View {
        final long count;
        final List<LastSeen> list;
        final Map<String, Long> top;
        final long takenAt;

        View(long count, List<LastSeen> list, long takenAt) {
            this.count = count;
            this.list = List.copyOf(list);
            this.takenAt = takenAt;
            Map<String, Long> m = new HashMap<>();
            for (LastSeen s : list) {
                m.put(s.id(), s.epochMilli());
            }
            this.top = m;
        }
    }

    private record Lookup(long at, long fetchedAt) {
    }
}
