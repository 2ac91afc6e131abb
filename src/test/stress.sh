#!/usr/bin/env bash
# Runs one named test class (or Class#method) N times in a row beside busy loops, to find a
# flaky test before CI does. Each run is a fresh JVM through Maven, as CI runs it.
#
#   src/test/stress.sh [-n N] [-b BUSY] [-p PROJECT_DIR] TEST
#
#   TEST         a test class, FooTest or FooIT, optionally #method (Surefire/Failsafe syntax)
#   -n N         how many runs (default 10)
#   -b BUSY      how many busy loops (`yes > /dev/null`) run beside it (default 2; 0 for none)
#   -p DIR       the Maven project: . (the library, default), webapp-example or spring-boot-starter
#
# Examples:
#   src/test/stress.sh -n 20 MonitoringIT
#   src/test/stress.sh -n 5 -b 3 'SlowRedisIT#aSlowRedisSlowsOnlyTheJoinsThatWaitForIt'
#   src/test/stress.sh -p webapp-example -n 5 'ContainersIT$GlassFish7'
#
# The library must have been built once (`mvn -B install -DskipTests`) for the example's tests.
# Logs of failed runs are kept in target/stress/; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

runs=10 busy=2 project=.
while getopts "n:b:p:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    b) busy=$OPTARG ;;
    p) project=$OPTARG ;;
    *) sed -n '2,19p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '2,19p' "$0"; exit 2; }
test=$1
class=${test%%#*}

if [[ $class == *IT || $class == *IT\$* ]]; then
  select=(-Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "-Dit.test=$test")
else
  select=("-Dtest=$test" -DskipITs)
fi

loops=()
stop_loops() { for p in "${loops[@]}"; do kill "$p" 2>/dev/null; done; }
trap stop_loops EXIT
for _ in $(seq 1 "$busy"); do yes > /dev/null & loops+=($!); done

logs=$project/target/stress
mkdir -p "$logs"
passed=0 failed=0
for i in $(seq 1 "$runs"); do
  log=$logs/${class//\$/_}-$i.log
  start=$(date +%s)
  if mvn -B -ntp -f "$project/pom.xml" verify "${select[@]}" >"$log" 2>&1; then
    passed=$((passed + 1)); verdict=passed
    rm -f "$log"
  else
    failed=$((failed + 1)); verdict="FAILED (log: $log)"
  fi
  echo "run $i/$runs: $verdict in $(( $(date +%s) - start )) s, load $(cut -d' ' -f1 /proc/loadavg)"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
