#!/usr/bin/env bash
# What one PUBLISH and one delivery cost Redis (a benchmark: not part of any test run), for the
# capacity model in docs/redis.md.
#
#   src/bench/redis-pubsub-cost.sh [payload bytes, default 300] [publishes, default 200000] [pipeline, default 16]
#
# Starts a Redis of its own on a free port (no persistence), then for 0, 1, 3 and 10 subscribers of
# one channel (redis-cli SUBSCRIBE, reading everything) sends the publishes with redis-benchmark
# (PUBLISH of a payload of that size, 16 pipelined or as given, 4 clients) and reports Redis's CPU
# (INFO cpu: used_cpu_sys + used_cpu_user) and network out (INFO stats) per PUBLISH. The CPU per
# delivery is the slope over the number of subscribers. Needs redis-server, redis-cli,
# redis-benchmark.
set -euo pipefail
bytes=${1:-300}
n=${2:-200000}
pipeline=${3:-16}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --logfile /dev/null &
redis=$!
subs=()
cleanup() {
  local p
  for p in "${subs[@]}"; do kill "$p" 2>/dev/null || true; done
  kill "$redis" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do redis-cli -p "$port" PING > /dev/null 2>&1 && break; sleep 0.1; done
payload=$(head -c "$bytes" /dev/zero | tr '\0' 'x')
cpu() { redis-cli -p "$port" INFO cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.6f", s}'; }
out() { redis-cli -p "$port" INFO stats | awk -F: '/^total_net_output_bytes:/ {print $2+0}'; }
echo "Redis $(redis-server --version | cut -d' ' -f3), payload $bytes B, $n publishes per step, pipeline $pipeline, $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
have=0
for want in 0 1 3 10; do
  while (( have < want )); do
    redis-cli -p "$port" SUBSCRIBE ch > /dev/null &
    subs+=($!)
    have=$((have + 1))
  done
  for _ in $(seq 1 100); do
    [[ $(redis-cli -p "$port" PUBSUB NUMSUB ch | tail -1) == "$want" ]] && break
    sleep 0.1
  done
  c0=$(cpu); o0=$(out)
  redis-benchmark -p "$port" -n "$n" -c 4 -P "$pipeline" -q PUBLISH ch "$payload" > /dev/null
  c1=$(cpu); o1=$(out)
  python3 -c "
c = ($c1 - $c0) / $n * 1e6
o = ($o1 - $o0) / $n
print(f'subscribers $want: Redis CPU {c:.2f} us per PUBLISH, network out {o:.0f} B per PUBLISH')"
done
