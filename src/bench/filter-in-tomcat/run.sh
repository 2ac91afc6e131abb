#!/usr/bin/env bash
# The filter in a real container: one stock Tomcat 11 with two copies of a minimal JSP app, one
# behind no filter ("nofilter") and one behind OnlineNowFilter ("filter"), 5,000 signed-in users in
# each (a session per user, its cookie picked at random per request), wrk on loopback. Prints each
# round's requests/s of both apps and their ratio, Tomcat's CPU time per request in each app, and
# the load average.
#
#   src/bench/filter-in-tomcat/run.sh            # from the repository's top; about 5 minutes
#
# Settings (environment): ROUNDS (5), SECONDS_PER_RUN (20), WARMUP_SECONDS (20), USERS (5000),
# CONNECTIONS (16), WRK_THREADS (1), HEAP (1g), JFR=1 (a JFR profile of the whole run in
# target/bench-tomcat/run.jfr, with the hottest frames of each app's requests printed at the end),
# CONTROL=1 (an A/A run: the "filter" app without the filter too, for what the tool itself can tell
# apart), NOOP=1 (the "filter" app behind a filter that does nothing: what any filter costs in Tomcat),
# SWAP=1 (the filter in the context named /nofilter and none in /filter: the roles keep their columns,
# the contexts trade places; for a bias of one context, which an A/A run shows),
# LIB_FILTER=DIR (the filter app's WEB-INF/lib from DIR, an online-now jar and its dependencies as
# another commit builds them, instead of this tree's build), LIB_NOFILTER=DIR (the "nofilter" app
# behind OnlineNowFilter too, from the jars in DIR: an A/B of two builds of the filter, side by side).
# Needs: java 17+, mvn, curl, wrk (Debian: apt-get install wrk). Offline if the Tomcat
# distribution is in ~/.m2 already (the example's ITs put it there).
set -euo pipefail
cd "$(dirname "$0")/../../.."
here=src/bench/filter-in-tomcat
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
WARMUP_SECONDS=${WARMUP_SECONDS:-20}
USERS=${USERS:-5000}
CONNECTIONS=${CONNECTIONS:-16}
WRK_THREADS=${WRK_THREADS:-1}
HEAP=${HEAP:-1g}
TOMCAT_VERSION=${TOMCAT_VERSION:-11.0.24}

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else echo "wrk is missing: sudo apt-get install wrk" >&2; exit 2; fi
fi

out=target/bench-tomcat
rm -rf "$out"
mkdir -p "$out"

if [ -n "${LIB_FILTER:-}" ]; then
  echo "== the filter app's library from $LIB_FILTER"
  mkdir -p "$out/lib"
  jar=$(ls "$LIB_FILTER"/online-now-*.jar | grep -v -e javax -e sources -e javadoc | head -1)
  find "$LIB_FILTER" -maxdepth 1 -name '*.jar' ! -name 'online-now-*' -exec cp {} "$out/lib/" \;
else
  echo "== building the library (mvn package, tests skipped)"
  mvn -B -q -o package -DskipTests dependency:copy-dependencies -DincludeScope=runtime \
      -DexcludeGroupIds=io.lettuce,io.netty,io.projectreactor,org.reactivestreams \
      -DoutputDirectory="$out/lib" >/dev/null
  jar=$(ls target/online-now-*.jar | grep -v -e javax -e sources -e javadoc | head -1)
fi

tarball=~/.m2/repository/org/apache/tomcat/tomcat/$TOMCAT_VERSION/tomcat-$TOMCAT_VERSION.tar.gz
if [ ! -f "$tarball" ]; then
  mvn -B -q dependency:get -Dartifact=org.apache.tomcat:tomcat:$TOMCAT_VERSION:tar.gz >/dev/null
fi
tar -xzf "$tarball" -C "$out"
tc=$out/apache-tomcat-$TOMCAT_VERSION
rm -rf "$tc"/webapps/*

# stock server.xml except: a free port, no shutdown port, no access log (a line per request,
# the same disk cost in both apps, that only adds noise)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
       || echo $((20000 + RANDOM % 30000)))
sed -i -e "s/port=\"8080\"/port=\"$port\" address=\"127.0.0.1\"/" -e 's/<Server port="8005"/<Server port="-1"/' \
    -e '/AccessLogValve/,/\/>/d' "$tc/conf/server.xml"

# the context path of each role: the apps are named after their roles, or swapped (SWAP=1)
ctx() { if [ "${SWAP:-0}" = 1 ]; then [ "$1" = filter ] && echo nofilter || echo filter; else echo "$1"; fi; }

for app in nofilter filter; do
  w=$tc/webapps/$(ctx $app)
  mkdir -p "$w/WEB-INF/lib"
  cp "$here"/webapp/*.jsp "$w/"
  if [ "${CONTROL:-0}" = 1 ]; then
    cp "$here/web-nofilter.xml" "$w/WEB-INF/web.xml"  # A/A: both apps without the filter
    continue
  fi
  if [ -n "${LIB_NOFILTER:-}" ] && [ "$app" = nofilter ]; then  # A/B: another build of the filter
    cp "$here/web-filter.xml" "$w/WEB-INF/web.xml"
    cp "$LIB_NOFILTER"/*.jar "$w/WEB-INF/lib/"
    continue
  fi
  if [ "${NOOP:-0}" = 1 ] && [ "$app" = filter ]; then  # the floor: a filter that does nothing
    cp "$here/web-noop.xml" "$w/WEB-INF/web.xml"
    mkdir -p "$w/WEB-INF/classes"
    javac -d "$w/WEB-INF/classes" -cp "$tc/lib/servlet-api.jar" "$here/noop/NoopFilter.java"
    continue
  fi
  cp "$here/web-$app.xml" "$w/WEB-INF/web.xml"
  if [ "$app" = filter ]; then
    cp "$jar" "$out"/lib/*.jar "$w/WEB-INF/lib/"
  fi
done

opts="-Xms$HEAP -Xmx$HEAP -XX:+UseG1GC"
if [ "${JFR:-0}" = 1 ]; then
  opts="$opts -XX:+FlightRecorder -XX:StartFlightRecording=filename=$PWD/$out/run.jfr,settings=profile,dumponexit=true -XX:FlightRecorderOptions=stackdepth=256"
fi
echo "== starting Tomcat $TOMCAT_VERSION on 127.0.0.1:$port ($opts)"
CATALINA_HOME="$PWD/$tc" CATALINA_BASE="$PWD/$tc" CATALINA_OPTS="$opts" "$tc/bin/catalina.sh" run \
    >"$out/catalina.out" 2>&1 &
tomcat=$!
trap 'kill $tomcat 2>/dev/null || true; wait $tomcat 2>/dev/null || true' EXIT
for app in nofilter filter; do
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/$(ctx $app)/index.jsp" && break
    kill -0 $tomcat 2>/dev/null || { cat "$out/catalina.out"; exit 1; }
    sleep 0.2
  done
done

echo "== signing in $USERS users in each app"
for app in nofilter filter; do
  : >"$out/login-$app.curl"
  for i in $(seq 1 "$USERS"); do
    echo "url = \"http://127.0.0.1:$port/$(ctx $app)/login.jsp?id=$((1000000 + i))\"" >>"$out/login-$app.curl"
  done
  curl -s -K "$out/login-$app.curl" -o /dev/null -w '%header{set-cookie}\n' \
    | sed -n 's/^\(JSESSIONID=[^;]*\).*/\1/p' >"$out/cookies-$app.txt"
  got=$(wc -l <"$out/cookies-$app.txt")
  [ "$got" = "$USERS" ] || { echo "only $got sessions in $app" >&2; exit 1; }
  {
    echo "local cookies = {"
    sed 's/.*/  "&",/' "$out/cookies-$app.txt"
    echo "}"
    echo "local n = #cookies"
    echo "function setup(thread) thread:set('seed', math.random(1, 1000000)) end"
    echo "function init(args) math.randomseed(seed or os.time()) end"
    echo "function request() return wrk.format(nil, nil, { Cookie = cookies[math.random(n)] }) end"
  } >"$out/cookies-$app.lua"
done

ticks() { awk '{print $14 + $15}' "/proc/$tomcat/stat"; } # Tomcat's CPU time so far (utime + stime), in clock ticks
hz=$(getconf CLK_TCK)
run() { # app seconds -> "requests/s us-of-Tomcat-CPU-per-request"
  local r t0 t1
  t0=$(ticks)
  r=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s -s "$out/cookies-$1.lua" "http://127.0.0.1:$port/$(ctx $1)/index.jsp")
  t1=$(ticks)
  echo "$r" >>"$out/wrk-$1.txt"
  if echo "$r" | grep -q -e "Non-2xx" -e "Socket errors"; then echo "$r" >&2; fi
  echo "$r" | awk -v t="$((t1 - t0))" -v hz="$hz" '/requests in/ {n=$1} /^Requests\/sec/ {rps=$2}
    END {printf "%s %.2f\n", rps, t * 1e6 / hz / n}'
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

# the page in the filter app must show the users (the filter works, the sessions are signed in)
page=$(curl -s -b "$(head -1 "$out/cookies-filter.txt")" "http://127.0.0.1:$port/$(ctx filter)/index.jsp")
[ "${CONTROL:-0}${NOOP:-0}" != 00 ] || echo "$page" | grep -q "<p>[0-9]* online</p>" || { echo "filter app page: $page" >&2; exit 1; }

echo "== warm-up: ${WARMUP_SECONDS}s each, twice (load $(load))"
for _ in 1 2; do run nofilter "$WARMUP_SECONDS" >/dev/null; run filter "$WARMUP_SECONDS" >/dev/null; done
shown=$(curl -s -b "$(head -1 "$out/cookies-filter.txt")" "http://127.0.0.1:$port/$(ctx filter)/index.jsp" | sed -n 's/.*<p>\([0-9]*\) online.*/\1/p')
echo "   the filter app's page: $shown online (of $USERS)"

echo "== $ROUNDS rounds of ${SECONDS_PER_RUN}s per app, alternating which goes first"
echo "   (us/req: Tomcat's CPU time per request, all its threads; the filter's cost is the difference)"
printf '%-6s %14s %14s %8s %13s %11s   %s\n' round "nofilter r/s" "filter r/s" ratio "nofilter us/req" "filter us/req" "load average (before the round)"
ratios=()
extra=()
for r in $(seq 1 "$ROUNDS"); do
  l=$(load)
  if [ $((r % 2)) = 1 ]; then a=$(run nofilter "$SECONDS_PER_RUN"); b=$(run filter "$SECONDS_PER_RUN")
  else b=$(run filter "$SECONDS_PER_RUN"); a=$(run nofilter "$SECONDS_PER_RUN"); fi
  read -r a ca <<<"$a"
  read -r b cb <<<"$b"
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b / a}')
  ratios+=("$ratio")
  extra+=("$(awk -v a="$ca" -v b="$cb" 'BEGIN {printf "%.2f", b - a}')")
  printf '%-6s %14s %14s %8s %13s %11s   %s\n' "$r" "$a" "$b" "$ratio" "$ca" "$cb" "$l"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END {printf "ratio filter/nofilter: min %s, median %s, max %s (load now %s)\n", v[1], v[int((NR+1)/2)], v[NR], "'"$(load)"'"}'
printf '%s\n' "${extra[@]}" | sort -n | awk '{v[NR]=$1} END {printf "Tomcat CPU per request, filter minus nofilter: min %s us, median %s us, max %s us\n", v[1], v[int((NR+1)/2)], v[NR]}'

if [ "${JFR:-0}" = 1 ]; then
  kill $tomcat; wait $tomcat 2>/dev/null || true; trap - EXIT
  echo "== JFR: samples inside OnlineNowFilter.doFilter but not in the chain it calls (top frame, samples)"
  jfr print --events jdk.ExecutionSample "$out/run.jfr" >"$out/samples.txt"
  awk '/stackTrace = \[/ {n=0; top=""; own=0; chain=0; next}
       /^[ \t]+[a-zA-Z].*line:/ { n++; if (n==1) top=$1;
         if ($1 ~ /ApplicationFilterChain/ && !own) chain=1;
         if ($1 ~ /OnlineNowFilter.doFilter/ && !chain) own=1 }
       /^[ \t]*\]/ { if (own) { c[top]++; mine++ } total++ }
       END { for (k in c) printf "%7d  %s\n", c[k], k;
             printf "%7d  (the filter itself, all frames)\n%7d  (all samples of the run, both apps)\n", mine, total }' \
      "$out/samples.txt" | sort -rn | head -30
fi
