#!/usr/bin/env bash
# Load across several servers sharing one Redis (a benchmark: not part of any test run).
#
#   src/bench/multi-server.sh [multi-load.mjs options]
#   e.g. SERVERS=3 src/bench/multi-server.sh --rooms=30 --users=5 --hz=10 --seconds=30
#
# Starts a Redis of its own (redis-server on a free port, no persistence: its INFO commandstats and
# INFO cpu are this run's alone), SERVERS (default 3) stock Tomcat 11 distributions (the one the
# example's ITs use, webapp-example/target/containers, each with its own CATALINA_BASE and port,
# run by bin/catalina.sh with the JVM's defaults) with the example WAR built with -Predis (Lettuce
# in it), configured through each base's conf/context.xml: online-now.store=redis, redisUri, and
# one redisNamespace for all. Then src/bench/js/multi-load.mjs drives outside Node clients (rooms
# each hosted on one server, users moving cursors, joins) and reports Redis commands per cursor
# move and per join, Redis CPU, each server's CPU and pub/sub messages, and cross-server latency.
#
# Environment: SERVERS=N; REDIS_URI=redis://host:port to use that Redis instead of starting one
# (its commandstats then include whatever else uses it); ONLINE_NOW="key=value ..." sets more
# online-now.* context-params (cursorTick=PT0.1S); WAR=path deploys that WAR instead of building.
# Needs: Maven, node, redis-server and redis-cli.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
example=$root/webapp-example
tomcat_version=$(sed -n 's:.*<tomcat-dist.version>\(.*\)</tomcat-dist.version>.*:\1:p' "$example/pom.xml")
tomcat_home=$example/target/containers/apache-tomcat-$tomcat_version
servers=${SERVERS:-3}
work=$root/target/bench-multi
ns=bench-$$
mkdir -p "$work"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

war=${WAR:-}
if [[ -z $war ]]; then
  # the WAR with Lettuce (-Predis), copied aside; webapp-example/target holds that build until the
  # next package without -Predis
  (cd "$root" && mvn -B -q install -DskipTests && mvn -B -q -f "$example/pom.xml" -Predis -DskipTests package)
  war=$work/example-redis.war
  cp "$example/target/online-now-example-0.1.0-SNAPSHOT.war" "$war"
fi
libs=$(unzip -Z1 "$war")
if ! grep -q '^WEB-INF/lib/lettuce-core-' <<< "$libs"; then
  echo "$war has no Lettuce in WEB-INF/lib; build it with -Predis" >&2
  exit 2
fi
if [[ ! -d $tomcat_home ]]; then
  mvn -B -q -f "$example/pom.xml" dependency:unpack@unpack-containers
fi
if [[ ! -d $root/src/bench/js/node_modules/ws ]]; then
  (cd "$root/src/bench/js" && npm ci --no-audit --no-fund)
fi

pids=()
redis_pid=
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n $redis_pid ]]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

if [[ -n ${REDIS_URI:-} ]]; then
  redis_uri=$REDIS_URI
  redis_port=$(sed -n 's,^redis://\([^@]*@\)\{0,1\}[^:/]*:\([0-9]*\).*,\2,p' <<< "$redis_uri")
  redis_port=${redis_port:-6379}
  echo "Redis: $redis_uri (shared: its commandstats include whatever else uses it)"
else
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --logfile "$work/redis.log" &
  redis_pid=$!
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" PING > /dev/null 2>&1 && break; sleep 0.1; done
  redis_uri=redis://127.0.0.1:$redis_port
  echo "Redis: $(redis-server --version | cut -d' ' -f3) of our own at $redis_uri (pid $redis_pid)"
fi

bases=()
for i in $(seq 1 "$servers"); do
  port=$(free_port)
  base=$work/tomcat-$i
  rm -rf "$base"
  mkdir -p "$base"/{conf,webapps,logs,temp,work}
  cp "$tomcat_home"/conf/* "$base/conf/"
  cat > "$base/conf/server.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Listener className="org.apache.catalina.startup.VersionLoggerListener"/>
  <Service name="Catalina">
    <Connector port="$port" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000" maxConnections="20000"/>
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false"/>
    </Engine>
  </Service>
</Server>
EOF
  for kv in store=redis "redisUri=$redis_uri" "redisNamespace=$ns" ${ONLINE_NOW:-}; do
    sed -i "s|</Context>|  <Parameter name=\"online-now.${kv%%=*}\" value=\"${kv#*=}\" override=\"false\"/>\n</Context>|" \
      "$base/conf/context.xml"
  done
  cp "$war" "$base/webapps/example.war"
  CATALINA_HOME=$tomcat_home CATALINA_BASE=$base CATALINA_PID= JAVA_OPTS="${JAVA_OPTS:-}" \
    "$tomcat_home/bin/catalina.sh" run > "$base/server.log" 2>&1 &
  pids+=($!)
  bases+=("http://127.0.0.1:$port/example/")
done

nodes=()
for i in $(seq 1 "$servers"); do
  log=$work/tomcat-$i/server.log
  pid=${pids[$((i - 1))]}
  for _ in $(seq 1 1500); do
    if grep -q "Server startup in" "$log" 2>/dev/null; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "server $i ended" >&2; exit 1; fi
    sleep 0.2
  done
  node=$(sed -n 's/.*online-now: node \([0-9a-f-]*\) keeps.*/\1/p' "$log" | head -1)
  if [[ -z $node ]]; then
    echo "server $i did not start online-now with store=redis; see $log" >&2
    exit 1
  fi
  nodes+=("$node")
  echo "server $i: ${bases[$((i - 1))]} (pid $pid, node $node, log $log)"
done

join() { local IFS=,; echo "$*"; }
node "$root/src/bench/js/multi-load.mjs" --bases="$(join "${bases[@]}")" --pids="$(join "${pids[@]}")" \
  --nodes="$(join "${nodes[@]}")" --redis-port="$redis_port" --ns="$ns" "$@"
