#!/usr/bin/env bash
# What reading a room in full costs Redis (a benchmark: not part of any test run), for the capacity
# model in docs/redis.md: a room hash as the live layer writes it (6 fields per member, one tab
# each), of 10, 100 and 1,000 members, read with HGETALL by redis-benchmark (4 clients); Redis CPU
# from INFO cpu. Starts a Redis of its own on a free port. Needs redis-server, redis-cli, redis-benchmark.
#
#   src/bench/redis-room-read-cost.sh
set -euo pipefail
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --logfile /dev/null &
redis=$!
trap 'kill $redis 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do redis-cli -p "$port" PING > /dev/null 2>&1 && break; sleep 0.1; done
cpu() { redis-cli -p "$port" INFO cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.6f", s}'; }
for n in 10 100 1000; do
  key=room$n
  python3 - "$n" "$key" <<'PY' | redis-cli -p "$port" --pipe > /dev/null
import sys
n, key = int(sys.argv[1]), sys.argv[2]
def cmd(*a):
    out = f"*{len(a)}\r\n"
    for x in a:
        x = str(x); out += f"${len(x.encode())}\r\n{x}\r\n"
    return out
node = "4dc50e94-ac48-43d1-b133-e36a3b13726e"
for i in range(n):
    u = f"user{i:05d}"
    sys.stdout.write(cmd("HSET", key, "p:"+u, "User "+str(i), "m:"+u, '{"color":"#a1b2c3"}', "j:"+u, "1733150000000",
        "t:"+u, "1", f"n:{node}:{u}", "1", "k:"+u, '{"%s/%d":[1733150000000,1,"{\\"color\\":\\"#a1b2c3\\"}"]}' % (node, i)))
PY
  reqs=$(( n >= 1000 ? 5000 : 50000 ))
  c0=$(cpu)
  redis-benchmark -p "$port" -n "$reqs" -c 4 -q HGETALL "$key" > /dev/null
  c1=$(cpu)
  bytes=$(redis-cli -p "$port" --no-raw HGETALL "$key" | wc -c)
  python3 -c "print(f'room of $n members: {($c1-$c0)/$reqs*1e6:.1f} us of Redis CPU per HGETALL, about $bytes bytes of reply (redis-cli text)')"
done
