package dev.onlinenow.redis;

import dev.onlinenow.live.Cursor;
import dev.onlinenow.live.Presence;
import dev.onlinenow.internal.live.RoomState;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import jakarta.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Rooms in Redis (keys in {@link RedisLiveBackend}), with an in-process mirror of this node's own
 * members and cursors.
 *
 * <p>Every change goes to the mirror and to Redis. Reads come from Redis; while Redis is down
 * they come from the mirror (this node's members only), and when it is back the mirror is what
 * this node registers again. Nothing waits for Redis: each call sends its command and returns a
 * stage that completes with Redis's answer, or with the mirror's once Redis failed or took longer
 * than {@code redisTimeout} (which marks it down), and at once while Redis is known down.
 */
final class RedisRoomState implements RoomState {

    /** What a sync changed: users whose presence it created, and users who left. */
    record Sync(List<Presence> joined, List<String> left) {
    }

    /*
     * Hash fields of ns:room:ROOM (see RedisLiveBackend): p:U name, m:U meta, j:U joinedAt,
     * t:U connections on all nodes, n:NODE:U connections on NODE, c:NODE connections of NODE.
     * t:U is kept equal to the sum of the n:*:U by every script, so join and leave are O(1).
     * k:U is each connection's meta: a JSON object CONNECTION -> [joinedAt, changed, meta text]
     * (changed: larger for a later change, 0 if never set), read and written with cjson; m:U
     * stays the latest meta set, for servers of earlier versions.
     */

    /* Lua: the largest 'changed' among a k:U object's entries, plus one. */
    private static final String NEXT_CHANGE =
            "local function nextChange(k) local ch = 0 for _, e in pairs(k) do if e[2] > ch then ch = e[2] end end return ch + 1 end";

    private static final String JOIN = String.join("\n",
            NEXT_CHANGE,
            "local u = ARGV[1]",
            "local kf = 'k:'..u",
            "local k = cjson.decode(redis.call('HGET', KEYS[1], kf) or '{}')",
            "local ch = 0",
            "if ARGV[7] == '1' then ch = nextChange(k) end",
            "k[ARGV[8]] = {tonumber(ARGV[5]), ch, ARGV[4]}",
            "local kt = cjson.encode(k)",
            "redis.call('HSET', KEYS[1], kf, kt)",
            "local t = redis.call('HINCRBY', KEYS[1], 't:'..u, 1)",
            "redis.call('HINCRBY', KEYS[1], 'n:'..ARGV[2]..':'..u, 1)",
            "redis.call('HINCRBY', KEYS[1], 'c:'..ARGV[2], 1)",
            "redis.call('SADD', KEYS[2], ARGV[6])",
            "redis.call('SADD', KEYS[3], ARGV[6])",
            "if t == 1 or redis.call('HEXISTS', KEYS[1], 'p:'..u) == 0 then",
            "  redis.call('HSET', KEYS[1], 'p:'..u, ARGV[3], 'm:'..u, ARGV[4], 'j:'..u, ARGV[5])",
            "elseif ARGV[7] == '1' then",
            "  redis.call('HSET', KEYS[1], 'm:'..u, ARGV[4])",
            "end",
            "local v = redis.call('HMGET', KEYS[1], 'p:'..u, 'm:'..u, 'j:'..u)",
            "return {t, v[1], v[2], v[3], kt}");

    private static final String LEAVE = String.join("\n",
            "local u = ARGV[1]",
            "local nf = 'n:'..ARGV[2]..':'..u",
            "local n = tonumber(redis.call('HGET', KEYS[1], nf) or '0')",
            "if n <= 0 then return {-1} end",
            "local kf = 'k:'..u",
            "local kt = redis.call('HGET', KEYS[1], kf)",
            "if kt then",
            "  local k = cjson.decode(kt)",
            "  local conn = ARGV[4]",
            "  if conn == '' then",
            "    local pre = ARGV[2]..'/'",
            "    for c, _ in pairs(k) do if string.sub(c, 1, #pre) == pre then conn = c end end",
            "  end",
            "  if conn ~= '' then k[conn] = nil end",
            "  if next(k) == nil then redis.call('HDEL', KEYS[1], kf) kt = '' else kt = cjson.encode(k) redis.call('HSET', KEYS[1], kf, kt) end",
            "else kt = '' end",
            "if n == 1 then redis.call('HDEL', KEYS[1], nf) else redis.call('HINCRBY', KEYS[1], nf, -1) end",
            "local c = redis.call('HINCRBY', KEYS[1], 'c:'..ARGV[2], -1)",
            "if c <= 0 then",
            "  redis.call('HDEL', KEYS[1], 'c:'..ARGV[2])",
            "  redis.call('SREM', KEYS[3], ARGV[3])",
            "end",
            "local t = redis.call('HINCRBY', KEYS[1], 't:'..u, -1)",
            "local v = redis.call('HMGET', KEYS[1], 'p:'..u, 'm:'..u, 'j:'..u)",
            "if t > 0 then return {t, v[1], v[2], v[3], kt} end",
            "redis.call('HDEL', KEYS[1], 't:'..u, 'p:'..u, 'm:'..u, 'j:'..u, kf)",
            "redis.call('HDEL', KEYS[4], u)",
            "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[3]) end",
            "return {0, v[1], v[2], v[3], ''}");

    private static final String META = String.join("\n",
            NEXT_CHANGE,
            "local u = ARGV[1]",
            "if redis.call('HEXISTS', KEYS[1], 'p:'..u) == 0 then return {-1} end",
            "redis.call('HSET', KEYS[1], 'm:'..u, ARGV[2])",
            "local kf = 'k:'..u",
            "local kt = redis.call('HGET', KEYS[1], kf)",
            "if kt then",
            "  local k = cjson.decode(kt)",
            "  local ch = nextChange(k)",
            "  if ARGV[3] ~= '' and k[ARGV[3]] then",
            "    k[ARGV[3]][2] = ch",
            "    k[ARGV[3]][3] = ARGV[2]",
            "  else",
            "    for _, e in pairs(k) do e[2] = ch e[3] = ARGV[2] end",
            "  end",
            "  kt = cjson.encode(k)",
            "  redis.call('HSET', KEYS[1], kf, kt)",
            "else kt = '' end",
            "local v = redis.call('HMGET', KEYS[1], 't:'..u, 'p:'..u, 'j:'..u)",
            "return {tonumber(v[1]) or 0, v[2], ARGV[2], v[3], kt}");

    /* Sets node ARGV[1]'s connections in room ARGV[2] to exactly the members given in groups of
     * six (user, count, name, meta, joinedAt, the node's k:U entries as JSON): with none, that is
     * reaping a dead node; with this node's mirror, it is registering again after Redis lost them. */
    private static final String SYNC = String.join("\n",
            "local node = ARGV[1]",
            "local room = ARGV[2]",
            "local prefix = 'n:'..node..':'",
            "local old = {}",
            "local all = redis.call('HGETALL', KEYS[1])",
            "for i = 1, #all, 2 do",
            "  local f = all[i]",
            "  if string.sub(f, 1, #prefix) == prefix then old[string.sub(f, #prefix + 1)] = tonumber(all[i + 1]) end",
            "end",
            "local new = {}",
            "local info = {}",
            "for i = 3, #ARGV, 6 do",
            "  new[ARGV[i]] = tonumber(ARGV[i + 1])",
            "  info[ARGV[i]] = {ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]}",
            "end",
            "local tabPrefix = node..'/'",
            "local users = {}",
            "for u, _ in pairs(old) do users[u] = true end",
            "for u, _ in pairs(new) do users[u] = true end",
            "local joined = {}",
            "local left = {}",
            "local total = 0",
            "for u, _ in pairs(users) do",
            "  local o = old[u] or 0",
            "  local n = new[u] or 0",
            "  total = total + n",
            "  if o ~= n then",
            "    if n > 0 then redis.call('HSET', KEYS[1], prefix..u, n) else redis.call('HDEL', KEYS[1], prefix..u) end",
            "    local t = redis.call('HINCRBY', KEYS[1], 't:'..u, n - o)",
            "    local kt = redis.call('HGET', KEYS[1], 'k:'..u)",
            "    local k = kt and cjson.decode(kt) or {}",
            "    for c, _ in pairs(k) do if string.sub(c, 1, #tabPrefix) == tabPrefix then k[c] = nil end end",
            "    if info[u] then for c, e in pairs(cjson.decode(info[u][4])) do k[c] = e end end",
            "    if t <= 0 or next(k) == nil then redis.call('HDEL', KEYS[1], 'k:'..u)",
            "    else redis.call('HSET', KEYS[1], 'k:'..u, cjson.encode(k)) end",
            "    if t <= 0 then",
            "      redis.call('HDEL', KEYS[1], 't:'..u, 'p:'..u, 'm:'..u, 'j:'..u)",
            "      redis.call('HDEL', KEYS[4], u)",
            "      table.insert(left, u)",
            "    elseif redis.call('HEXISTS', KEYS[1], 'p:'..u) == 0 then",
            "      local m = info[u]",
            "      redis.call('HSET', KEYS[1], 'p:'..u, m[1], 'm:'..u, m[2], 'j:'..u, m[3])",
            "      table.insert(joined, u)",
            "      table.insert(joined, t)",
            "    end",
            "  end",
            "end",
            "if total > 0 then",
            "  redis.call('HSET', KEYS[1], 'c:'..node, total)",
            "  redis.call('SADD', KEYS[3], room)",
            "  redis.call('SADD', KEYS[2], room)",
            "else",
            "  redis.call('HDEL', KEYS[1], 'c:'..node)",
            "  redis.call('SREM', KEYS[3], room)",
            "end",
            "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], room) end",
            "return {joined, left}");

    private static final String EXPIRE_CURSORS = String.join("\n",
            "local gone = {}",
            "local all = redis.call('HGETALL', KEYS[1])",
            "for i = 1, #all, 2 do",
            "  local at = tonumber(string.match(all[i + 1], '(%S+)$'))",
            "  if at == nil or at < tonumber(ARGV[1]) then",
            "    redis.call('HDEL', KEYS[1], all[i])",
            "    table.insert(gone, all[i])",
            "  end",
            "end",
            "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end",
            "return gone");

    private static final Comparator<Presence> JOIN_ORDER =
            Comparator.comparingLong(Presence::getJoinedAtMillis).thenComparing(Presence::getId);

    private final RedisNode node;
    private final String ns;
    /** This node's own members (connections counted on this node only) and the cursors it stored. */
    private final NodeMembers mirror = new NodeMembers();
    /** Ids for connections a caller did not name. */
    private final java.util.concurrent.atomic.AtomicLong anonymous = new java.util.concurrent.atomic.AtomicLong();

    RedisRoomState(RedisNode node) {
        this.node = node;
        this.ns = node.namespace();
    }

    /*
     * Key layout. On a standalone Redis (and Sentinel) as it always was: ns:room:ROOM,
     * ns:cursors:ROOM and the global sets ns:rooms, ns:node:ID:rooms, ns:cursor-rooms. On a Redis
     * Cluster a script may only touch keys of one hash slot, and join, leave and sync change a
     * room and those sets in one step; so rooms are spread over CLUSTER_BUCKETS buckets (CRC16 of
     * the room's name), and each bucket has its own hash tag {ns:B}, shared by its rooms' keys and
     * by its part of each set: ns:room:{ns:B}:ROOM, ns:cursors:{ns:B}:ROOM, ns:rooms:{ns:B},
     * ns:node:ID:rooms:{ns:B}, ns:cursor-rooms:{ns:B}. Listing all rooms reads every bucket's set.
     * (The namespace has no braces, so the first {...} of each key is the bucket's tag.)
     */

    /** How many buckets a Redis Cluster's rooms are spread over (so at most this many hash slots hold rooms). */
    static final int CLUSTER_BUCKETS = 64;

    static int bucket(String room) {
        return io.lettuce.core.codec.CRC16.crc16(room.getBytes(java.nio.charset.StandardCharsets.UTF_8)) % CLUSTER_BUCKETS;
    }

    /** The hash tag of a room's bucket on a cluster ("" on a standalone Redis). */
    private String tag(String room) {
        return node.cluster() ? bucketTag(bucket(room)) : "";
    }

    private String bucketTag(int bucket) {
        return "{" + ns + ":" + bucket + "}";
    }

    /** The tags of all buckets on a cluster, or one "" on a standalone Redis. */
    private List<String> allTags() {
        if (!node.cluster()) {
            return List.of("");
        }
        List<String> out = new ArrayList<>(CLUSTER_BUCKETS);
        for (int b = 0; b < CLUSTER_BUCKETS; b++) {
            out.add(bucketTag(b));
        }
        return out;
    }

    String roomKey(String room) {
        String t = tag(room);
        return ns + ":room:" + (t.isEmpty() ? "" : t + ":") + room;
    }

    private String roomsKey(String room) {
        return withTag(ns + ":rooms", tag(room));
    }

    private String nodeRoomsKey(String nodeId, String room) {
        return withTag(ns + ":node:" + nodeId + ":rooms", tag(room));
    }

    String cursorKey(String room) {
        String t = tag(room);
        return ns + ":cursors:" + (t.isEmpty() ? "" : t + ":") + room;
    }

    private String cursorRoomsKey(String room) {
        return withTag(ns + ":cursor-rooms", tag(room));
    }

    private static String withTag(String key, String tag) {
        return tag.isEmpty() ? key : key + ":" + tag;
    }

    /** Every key of one of the global sets: one on a standalone Redis, one per bucket on a cluster. */
    private List<String> allKeys(String key) {
        List<String> out = new ArrayList<>();
        for (String t : allTags()) {
            out.add(withTag(key, t));
        }
        return out;
    }

    /** SMEMBERS of every part of a global set, united; null when Redis does not answer (awaited). */
    private CompletableFuture<Set<String>> membersOfAll(RedisClusterAsyncCommands<String, String> redis, String key) {
        List<CompletableFuture<Set<String>>> parts = new ArrayList<>();
        for (String k : allKeys(key)) {
            parts.add(redis.smembers(k).toCompletableFuture());
        }
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            Set<String> out = new TreeSet<>();
            for (CompletableFuture<Set<String>> p : parts) {
                out.addAll(p.join());
            }
            return out;
        });
    }

    /** The rooms where node {@code nodeId} has connections, as Redis says; null when it does not answer. */
    Set<String> nodeRooms(String nodeId) {
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return null;
        }
        try {
            return membersOfAll(redis, ns + ":node:" + nodeId + ":rooms")
                    .get(node.settings().redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            node.markDown(e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e);
            return null;
        }
    }

    /** Deletes node {@code nodeId}'s set of rooms (each part: one key per command, a cluster allows no other). */
    void deleteNodeRooms(String nodeId) {
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return;
        }
        List<RedisFuture<Long>> sent = new ArrayList<>();
        for (String k : allKeys(ns + ":node:" + nodeId + ":rooms")) {
            sent.add(redis.del(k));
        }
        for (RedisFuture<Long> f : sent) {
            node.await(f);
        }
    }

    /** Held ({@code SET NX PX}) by the one server that runs the orphaned-cursor backstop this round. */
    private String cursorSweepKey() {
        return ns + ":cursor-sweep";
    }

    /** How long one server's turn at the orphaned-cursor backstop lasts (the live layer asks every 15 s). */
    static final long CURSOR_SWEEP_TURN_MILLIS = 10_000;

    /** Redis commands, or null while Redis is known to be down. */
    private RedisClusterAsyncCommands<String, String> redis() {
        return node.commandsIfHealthy();
    }

    /** The mirror's answer; its stages are complete when returned, so this does not wait. */
    private static <T> T now(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    /**
     * {@code command}'s answer, or {@code fallback}'s once it fails or takes longer than
     * {@code redisTimeout} (which also marks Redis down). Never completes exceptionally, and
     * nobody waits for it: the live layer continues on the room's thread when it completes.
     */
    private <T, R> CompletionStage<R> ask(RedisFuture<T> command, Function<T, R> answer, Supplier<R> fallback) {
        return command.toCompletableFuture()
                .orTimeout(node.settings().redisTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((v, e) -> {
                    if (e != null) {
                        node.markDown(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
                        return fallback.get();
                    }
                    try {
                        return answer.apply(v);
                    } catch (RuntimeException notOurs) {
                        node.markDown(notOurs);
                        return fallback.get();
                    }
                });
    }

    /** Like {@link #ask} for an answer made of several commands. */
    private <R> CompletionStage<R> askAll(CompletableFuture<R> command, Supplier<R> fallback) {
        return command.orTimeout(node.settings().redisTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((v, e) -> {
                    if (e != null) {
                        node.markDown(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
                        return fallback.get();
                    }
                    return v;
                });
    }

    private RedisFuture<List<Object>> eval(RedisClusterAsyncCommands<String, String> redis, String script, String[] keys,
                                           String... args) {
        return redis.eval(script, ScriptOutputType.MULTI, keys, args);
    }

    @Override
    public CompletionStage<Joined> join(String room, String userId, String connection, String name, JsonObject meta,
                                        long nowMillis) {
        String conn = connection != null ? connection : node.id() + "/?" + anonymous.incrementAndGet();
        Joined local = now(mirror.join(room, userId, conn, name, meta, nowMillis));
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return CompletableFuture.completedFuture(local);
        }
        return ask(eval(redis, JOIN,
                new String[] {roomKey(room), roomsKey(room), nodeRoomsKey(node.id(), room)},
                userId, node.id(), name == null ? userId : name, String.valueOf(meta == null ? "{}" : meta),
                String.valueOf(nowMillis), room, meta == null ? "0" : "1", conn), r -> {
                    long total = (Long) r.get(0);
                    Presence p = presence(userId, (String) r.get(1), (String) r.get(2), (int) total,
                            parseLong(r.get(3), nowMillis), at(r, 4));
                    return new Joined(p, total == 1);
                }, () -> local);
    }

    @Override
    public CompletionStage<Left> leave(String room, String userId, String connection) {
        Left local = now(mirror.leave(room, userId, connection));
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return CompletableFuture.completedFuture(local);
        }
        return ask(eval(redis, LEAVE,
                new String[] {roomKey(room), roomsKey(room), nodeRoomsKey(node.id(), room), cursorKey(room)},
                userId, node.id(), room, connection == null ? "" : connection), r -> {
                    long total = (Long) r.get(0);
                    if (total < 0) {
                        // Redis did not have this connection (it was reaped while we could not reach
                        // Redis): others were told already; our own sockets follow the mirror
                        return local;
                    }
                    if (total > 0) {
                        return Left.remaining(presence(userId, (String) r.get(1), (String) r.get(2), (int) total,
                                parseLong(r.get(3), 0), at(r, 4)));
                    }
                    return new Left(presence(userId, (String) r.get(1), (String) r.get(2), 1, parseLong(r.get(3), 0),
                            at(r, 4)), true);
                }, () -> local);
    }

    @Override
    public CompletionStage<Presence> meta(String room, String userId, String connection, JsonObject meta) {
        Presence local = now(mirror.meta(room, userId, connection, meta));
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return CompletableFuture.completedFuture(local);
        }
        return ask(eval(redis, META, new String[] {roomKey(room)}, userId, String.valueOf(meta),
                connection == null ? "" : connection), r -> {
            long total = (Long) r.get(0);
            if (total < 0) {
                return null;
            }
            return presence(userId, (String) r.get(1), String.valueOf(meta), (int) total, parseLong(r.get(3), 0),
                    at(r, 4));
        }, () -> local);
    }

    @Override
    public CompletionStage<Presence> presence(String room, String userId) {
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return mirror.presence(room, userId);
        }
        return ask(redis.hmget(roomKey(room), "p:" + userId, "m:" + userId, "j:" + userId, "t:" + userId,
                "k:" + userId), r -> {
            if (!r.get(0).hasValue()) {
                return null;
            }
            return presence(userId, r.get(0).getValue(), r.get(1).getValueOrElse(null),
                    (int) parseLong(r.get(3).getValueOrElse(null), 1), parseLong(r.get(2).getValueOrElse(null), 0),
                    r.get(4).getValueOrElse(null));
        }, () -> now(mirror.presence(room, userId)));
    }

    @Override
    public CompletionStage<List<Presence>> presences(String room) {
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return mirror.presences(room);
        }
        return ask(redis.hgetall(roomKey(room)), RedisRoomState::presencesOf, () -> now(mirror.presences(room)));
    }

    private static List<Presence> presencesOf(Map<String, String> all) {
        List<Presence> out = new ArrayList<>();
        for (Map.Entry<String, String> e : all.entrySet()) {
            String f = e.getKey();
            if (f.startsWith("p:")) {
                String user = f.substring(2);
                out.add(presence(user, e.getValue(), all.get("m:" + user), (int) parseLong(all.get("t:" + user), 1),
                        parseLong(all.get("j:" + user), 0), all.get("k:" + user)));
            }
        }
        out.sort(JOIN_ORDER);
        return out;
    }

    @Override
    public CompletionStage<Set<String>> rooms() {
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return mirror.rooms();
        }
        return askAll(membersOfAll(redis, ns + ":rooms"), () -> now(mirror.rooms()));
    }

    @Override
    public void putCursor(String room, Cursor cursor) {
        mirror.putCursor(room, cursor);
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis != null) {
            // not awaited: the cursor tick must not wait for Redis; a failure shows in the next round
            redis.hset(cursorKey(room), cursor.getId(), cursor.getX() + " " + cursor.getY() + " " + cursor.getMovedAt());
            redis.sadd(cursorRoomsKey(room), room);
        }
    }

    /**
     * One {@code HSET} for the room's cursors moved since the last write; the room joins
     * {@code ns:cursor-rooms} ({@code SADD}) only when that made a new field (a cursor new to the
     * room, or the room's hash made again), not at every write.
     */
    @Override
    public void putCursors(String room, List<Cursor> cursors) {
        if (cursors.isEmpty()) {
            return;
        }
        Map<String, String> fields = new HashMap<>(cursors.size() * 2);
        for (Cursor c : cursors) {
            mirror.putCursor(room, c);
            fields.put(c.getId(), c.getX() + " " + c.getY() + " " + c.getMovedAt());
        }
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis != null) {
            // not awaited: the cursor tick must not wait for Redis; a failure shows in the next round
            redis.hset(cursorKey(room), fields).thenAccept(added -> {
                if (added != null && added > 0) {
                    redis.sadd(cursorRoomsKey(room), room);
                }
            });
        }
    }

    @Override
    public CompletionStage<Boolean> removeCursor(String room, String userId) {
        boolean local = now(mirror.removeCursor(room, userId));
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return CompletableFuture.completedFuture(local);
        }
        return ask(redis.hdel(cursorKey(room), userId), n -> n > 0, () -> local);
    }

    @Override
    public CompletionStage<List<Cursor>> cursors(String room) {
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return mirror.cursors(room);
        }
        return ask(redis.hgetall(cursorKey(room)), all -> {
            List<Cursor> out = new ArrayList<>(all.size());
            for (Map.Entry<String, String> e : all.entrySet()) {
                String[] parts = e.getValue().split(" ");
                if (parts.length == 3) {
                    try {
                        out.add(new Cursor(e.getKey(), Double.parseDouble(parts[0]), Double.parseDouble(parts[1]),
                                Long.parseLong(parts[2])));
                    } catch (NumberFormatException ignored) {
                        // not ours
                    }
                }
            }
            return out;
        }, () -> now(mirror.cursors(room)));
    }

    @Override
    public CompletionStage<Map<String, List<String>>> expireCursors(long movedBeforeMillis) {
        Map<String, List<String>> local = now(mirror.expireCursors(movedBeforeMillis));
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return CompletableFuture.completedFuture(local);
        }
        /* one server a turn, not every server: each would read every room with cursors in the
         * cluster, which at 200 servers and 100,000 rooms is 1.3 million scripts a second */
        CompletionStage<Boolean> turn = ask(redis.set(cursorSweepKey(), node.id(),
                io.lettuce.core.SetArgs.Builder.nx().px(CURSOR_SWEEP_TURN_MILLIS)), "OK"::equals, () -> false);
        return turn.thenCompose(mine -> !mine ? CompletableFuture.completedFuture(local)
                : askAll(membersOfAll(redis, ns + ":cursor-rooms"), Set::<String>of).thenCompose(rooms -> {
            Map<String, List<String>> out = new ConcurrentHashMap<>();
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (String room : rooms) {
                all.add(ask(eval(redis, EXPIRE_CURSORS, new String[] {cursorKey(room), cursorRoomsKey(room)},
                        String.valueOf(movedBeforeMillis), room), gone -> {
                            if (!gone.isEmpty()) {
                                List<String> ids = new ArrayList<>(gone.size());
                                for (Object o : gone) {
                                    ids.add((String) o);
                                }
                                out.put(room, ids);
                            }
                            return true;
                        }, () -> false).toCompletableFuture());
            }
            return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).thenApply(v -> (Map<String, List<String>>) out);
        }));
    }

    // --- for the backend ----------------------------------------------------------------------

    Set<String> localRooms() {
        return now(mirror.rooms());
    }

    List<Presence> localMembers(String room) {
        return now(mirror.presences(room));
    }

    /**
     * Makes node {@code nodeId}'s connections in {@code room} exactly {@code members} (their
     * {@code connections} counted on that node). Null when Redis does not answer.
     */
    Sync sync(String nodeId, String room, List<Presence> members) {
        RedisClusterAsyncCommands<String, String> redis = redis();
        if (redis == null) {
            return null;
        }
        List<String> args = new ArrayList<>();
        args.add(nodeId);
        args.add(room);
        Map<String, Presence> byId = new HashMap<>();
        for (Presence p : members) {
            byId.put(p.getId(), p);
            args.add(p.getId());
            args.add(String.valueOf(p.getConnections()));
            args.add(p.getName());
            args.add(p.getMeta().toString());
            args.add(String.valueOf(p.getJoinedAtMillis()));
            args.add(tabsJson(p));
        }
        // awaited: only the node's thread syncs (reaping, registering again), never a room's
        List<Object> r = node.await(eval(redis, SYNC,
                new String[] {roomKey(room), roomsKey(room), nodeRoomsKey(nodeId, room), cursorKey(room)},
                args.toArray(new String[0])));
        if (r == null) {
            return null;
        }
        List<?> joinedRaw = (List<?>) r.get(0);
        List<?> leftRaw = (List<?>) r.get(1);
        List<Presence> joined = new ArrayList<>();
        for (int i = 0; i + 1 < joinedRaw.size(); i += 2) {
            Presence p = byId.get((String) joinedRaw.get(i));
            if (p != null) {
                joined.add(p.withConnections(((Long) joinedRaw.get(i + 1)).intValue()));
            }
        }
        List<String> left = new ArrayList<>();
        for (Object o : leftRaw) {
            left.add((String) o);
        }
        return new Sync(joined, left);
    }

    /**
     * A presence as Redis keeps it: its metas from {@code k:U} when there is one (written by this
     * version), else its one meta {@code m:U} (a room only servers of an earlier version wrote).
     */
    static Presence presence(String userId, String name, String metaText, int connections, long joinedAt,
                             String tabs) {
        List<Presence.Meta> metas = parseTabs(tabs);
        if (metas.isEmpty()) {
            return new Presence(userId, name, RedisJson.parseMeta(metaText), connections, joinedAt);
        }
        return Presence.ofMetas(userId, name, connections, joinedAt, metas);
    }

    /** The entries of a {@code k:U} value; none if it is missing or not ours. */
    static List<Presence.Meta> parseTabs(String tabs) {
        if (tabs == null || tabs.isEmpty() || tabs.equals("{}")) {
            return List.of();
        }
        List<Presence.Meta> out = new ArrayList<>();
        try (jakarta.json.JsonReader reader = RedisJson.READERS.createReader(new java.io.StringReader(tabs))) {
            for (Map.Entry<String, jakarta.json.JsonValue> e : reader.readObject().entrySet()) {
                jakarta.json.JsonArray a = e.getValue().asJsonArray();
                out.add(Presence.Meta.of(e.getKey(), RedisJson.parseMeta(a.getString(2)),
                        a.getJsonNumber(0).longValue(), a.getJsonNumber(1).longValue()));
            }
        } catch (RuntimeException notOurs) {
            return List.of();
        }
        return out;
    }

    /** A presence's connections as a {@code k:U} object (for a sync of this node's own). */
    static String tabsJson(Presence p) {
        jakarta.json.JsonObjectBuilder b = RedisJson.PROVIDER.createObjectBuilder();
        for (Presence.Meta m : p.metas()) {
            if (m.connection() != null) {
                b.add(m.connection(), RedisJson.PROVIDER.createArrayBuilder().add(m.getJoinedAtMillis()).add(m.changed())
                        .add(m.metaJson()));
            }
        }
        return b.build().toString();
    }

    /** Element i of a script's answer as a string, null if it is missing (a Lua nil ends the list). */
    private static String at(List<Object> r, int i) {
        return r.size() > i && r.get(i) instanceof String ? (String) r.get(i) : null;
    }

    private static long parseLong(Object v, long otherwise) {
        if (v == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(v.toString());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
