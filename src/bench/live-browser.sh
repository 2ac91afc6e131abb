#!/usr/bin/env bash
# Browser-like load on the example web app's live endpoint (a benchmark: not part of any test run).
#
#   src/bench/live-browser.sh SERVER SCENARIO [live-load.mjs options]
#
#   SERVER    tomcat    the example WAR, unchanged, in the stock Tomcat 11 distribution the
#                       example's ITs use (webapp-example/target/containers), run by its own
#                       bin/catalina.sh with the JVM's defaults
#             embedded  the example as the README runs it (ExampleServer: embedded Tomcat + Tyrus)
#             floor     the same stock Tomcat with a WAR whose endpoint does nothing but answer a
#                       join with a state frame (src/bench/floor): what Tomcat alone costs
#   SCENARIO  cursors   --users=200 --hz=20 --seconds=10 --deflate=on|off --sampled=20
#             idle      --users=10000 --room-size=10 --hold=10 --deflate=on|off
#             bigroom   --users=10000 --hold=5: all join ONE room; join-to-state p50/p99, server CPU
#                       per join, heap per member, frames per join. Needs the room allowed:
#                       ONLINE_NOW="maxMembersPerRoom=10000" (and roomListLimit=... to compare)
#
# Environment: COMPRESSION=off|permessage-deflate sets the online-now.compression context-param
# through Tomcat's conf/context.xml (the WAR stays unchanged); unset, the library's default applies.
# ONLINE_NOW="key=value ..." sets more online-now.* context-params the same way (cursorTick=PT0.1S).
# LEAN=1 adds the container settings that take less memory per socket (docs/benchmarks.md): the
# connector's socket.appReadBufSize/appWriteBufSize 2048 (Tomcat's default 8192 each), Tomcat's
# WebSocket buffers -Dorg.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE=2048 (8192), the context-params
# org.apache.tomcat.websocket.binaryBufferSize/textBufferSize 1024 (8192), and a heap that gives back
# what it does not use: -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 (40 and 70).
# STARVE=N starves the server of CPU, as on a busy shared host: once it is up, all its threads are
# pinned to CPU 0 with N busy loops beside them (the server gets about 1/(N+1) of a core), and the
# clients run on CPU 1. STARVE_CLIENTS=N puts N busy loops beside the clients on CPU 1 instead (or
# too): readers that fall behind, as slow devices do, with the server on a CPU of its own.
# WAR=path deploys another build of the example WAR (to compare two builds).
# MAX_CONNECTIONS (default 20000) is the Tomcat connector's maxConnections (NIO's default, 8192,
# would queue the 8193rd socket). The script raises `ulimit -n` to 65536 (or the hard limit) for server and clients.
# Needs: mvn install of the library and `mvn -f webapp-example/pom.xml -DskipTests package`
# (the script runs both if the WAR is missing), node, jcmd and jmap of the JDK.
set -euo pipefail

server=${1:?usage: $0 tomcat|embedded|floor cursors|idle|bigroom [options]}
scenario=${2:?usage: $0 tomcat|embedded|floor cursors|idle|bigroom [options]}
shift 2

root=$(cd "$(dirname "$0")/../.." && pwd)
example=$root/webapp-example
tomcat_version=$(sed -n 's:.*<tomcat-dist.version>\(.*\)</tomcat-dist.version>.*:\1:p' "$example/pom.xml")
tomcat_home=$example/target/containers/apache-tomcat-$tomcat_version
war=${WAR:-$example/target/online-now-example-0.1.0-SNAPSHOT.war}
work=$root/target/bench-live
mkdir -p "$work"

# 10,000 sockets need more than the usual soft limit of 1024, in the server and in the clients
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [[ ! -f $war ]]; then
  (cd "$root" && mvn -B -q install -DskipTests && mvn -B -q -f "$example/pom.xml" -DskipTests package)
fi
if [[ ! -d $tomcat_home && $server != embedded ]]; then
  mvn -B -q -f "$example/pom.xml" dependency:unpack@unpack-containers
fi
if [[ ! -d $root/src/bench/js/node_modules/ws ]]; then
  (cd "$root/src/bench/js" && npm ci --no-audit --no-fund)
fi

lean_connector=
lean_jvm=
if [[ -n ${LEAN:-} ]]; then
  lean_connector=' socket.appReadBufSize="2048" socket.appWriteBufSize="2048"'
  lean_jvm='-Dorg.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE=2048 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20'
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pid=
hogs=()
cleanup() {
  if [[ ${#hogs[@]} -gt 0 ]]; then
    kill "${hogs[@]}" 2>/dev/null || true
  fi
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

wait_ready() { # log, line
  for _ in $(seq 1 600); do
    if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then cat "$1"; echo "the server ended" >&2; exit 1; fi
    sleep 0.2
  done
  echo "the server did not start; see $1" >&2
  exit 1
}

tomcat_base() { # app-name webapp-source
  local base=$work/tomcat-base
  rm -rf "$base"
  mkdir -p "$base"/{conf,webapps,logs,temp,work}
  cp "$tomcat_home"/conf/* "$base/conf/"
  cat > "$base/conf/server.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Listener className="org.apache.catalina.startup.VersionLoggerListener"/>
  <Service name="Catalina">
    <Connector port="$port" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000"
               maxConnections="${MAX_CONNECTIONS:-20000}"$lean_connector/>
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false"/>
    </Engine>
  </Service>
</Server>
EOF
  local kv
  for kv in ${COMPRESSION:+compression=$COMPRESSION} ${ONLINE_NOW:-}; do
    sed -i "s:</Context>:  <Parameter name=\"online-now.${kv%%=*}\" value=\"${kv#*=}\" override=\"false\"/>\n</Context>:" \
      "$base/conf/context.xml"
  done
  if [[ -n ${LEAN:-} ]]; then
    sed -i "s:</Context>:  <Parameter name=\"org.apache.tomcat.websocket.binaryBufferSize\" value=\"1024\" override=\"false\"/>\n  <Parameter name=\"org.apache.tomcat.websocket.textBufferSize\" value=\"1024\" override=\"false\"/>\n</Context>:" \
      "$base/conf/context.xml"
  fi
  cp -r "$2" "$base/webapps/$1"
  echo "$base"
}

case $server in
  tomcat|floor)
    if [[ $server == tomcat ]]; then
      base=$(tomcat_base example.war "$war")
      app=example
    else
      floor=$work/floor-webapp
      rm -rf "$floor"
      mkdir -p "$floor/WEB-INF/classes"
      javac -d "$floor/WEB-INF/classes" -cp "$tomcat_home/lib/servlet-api.jar:$tomcat_home/lib/websocket-api.jar:$tomcat_home/lib/websocket-client-api.jar" \
        "$root"/src/bench/floor/*.java
      base=$(tomcat_base floor "$floor")
      app=floor
    fi
    # stock Tomcat as installed: its own start script, no JVM options of ours
    CATALINA_HOME=$tomcat_home CATALINA_BASE=$base CATALINA_PID= JAVA_OPTS="${JAVA_OPTS:-} $lean_jvm" \
      "$tomcat_home/bin/catalina.sh" run > "$work/server.log" 2>&1 &
    pid=$!
    wait_ready "$work/server.log" "Server startup in"
    url=http://127.0.0.1:$port/$app/
    ;;
  embedded)
    cp_file=$work/embedded.classpath
    (cd "$example" && mvn -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file")
    java ${JAVA_OPTS:-} $lean_jvm -Dport="$port" -Dexample.webapp="$example/target/online-now-example-0.1.0-SNAPSHOT" \
      -cp "$example/target/test-classes:$example/target/classes:$(cat "$cp_file")" \
      dev.onlinenow.example.ExampleServer > "$work/server.log" 2>&1 &
    pid=$!
    wait_ready "$work/server.log" "http://localhost:$port"
    url=http://127.0.0.1:$port/
    ;;
  *) echo "unknown server $server (tomcat, embedded, floor)" >&2; exit 2 ;;
esac

client=()
if [[ -n ${STARVE:-}${STARVE_CLIENTS:-} ]]; then
  taskset -a -p -c 0 "$pid" > /dev/null
  for _ in $(seq 1 "${STARVE:-0}"); do taskset -c 0 bash -c 'while :; do :; done' & hogs+=($!); done
  for _ in $(seq 1 "${STARVE_CLIENTS:-0}"); do taskset -c 1 bash -c 'while :; do :; done' & hogs+=($!); done
  client=(taskset -c 1)
fi
echo "server: $server (pid $pid, log $work/server.log${COMPRESSION:+, online-now.compression=$COMPRESSION}${ONLINE_NOW:+, online-now: $ONLINE_NOW}${LEAN:+, lean container settings}${STARVE:+, server starved: CPU 0 shared with $STARVE busy loops}${STARVE_CLIENTS:+, clients starved: CPU 1 shared with $STARVE_CLIENTS busy loops}), ulimit -n $(ulimit -n), $(java -version 2>&1 | head -1)"
"${client[@]}" node "$root/src/bench/js/live-load.mjs" --base="$url" --scenario="$scenario" --pid="$pid" "$@"
