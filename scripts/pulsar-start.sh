#!/usr/bin/env bash
# Starts a standalone Pulsar broker (RocksDB metadata store, one bookie, one broker: Pulsar's own
# standalone mode) in the background, from the Maven Central jars the embedded-pulsar module
# already uses: no Pulsar download. Topics survive restarts; data, log and PID file live in
# run/pulsar/. Stop it with scripts/pulsar-stop.sh.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/pulsar-start.sh [--port PORT] [--web-port PORT] [--timeout SECONDS]

Starts a standalone Pulsar broker in the background and prints its service URL.
  --port PORT         binary protocol port on 127.0.0.1 (default 6650)
  --web-port PORT     admin REST port on 127.0.0.1 (default 8080)
  --timeout SECONDS   how long to wait for the broker to pass its health check (default 120)
  -h, --help          this text

Data, log file (pulsar.log) and PID file live in run/pulsar/. PULSAR_HEAP_OPTS overrides the
memory settings (default -Xmx512m -XX:MaxDirectMemorySize=256m). Stop with scripts/pulsar-stop.sh.
USAGE
}

fail() {
  echo "pulsar-start: $*" >&2
  exit 1
}

port=6650
web_port=8080
timeout_s=120
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || fail "--port needs a value"; port=$2; shift 2 ;;
    --web-port) [ $# -ge 2 ] || fail "--web-port needs a value"; web_port=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || fail "--timeout needs a value"; timeout_s=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown argument '$1' (try --help)" ;;
  esac
done
for value in "$port" "$web_port" "$timeout_s"; do
  [[ "$value" =~ ^[0-9]+$ ]] || fail "'$value' is not a number"
done
[ "$port" != "$web_port" ] || fail "--port and --web-port must differ"

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
run_dir="$repo/run/pulsar"
pid_file="$run_dir/pulsar.pid"
log_file="$run_dir/pulsar.log"
main_class=dev.flywheel.embedded.pulsar.PulsarBroker
mkdir -p "$run_dir"

source scripts/lib/broker-process.sh
refuse_if_running "$pid_file" "$main_class" "$run_dir/service.url" scripts/pulsar-stop.sh
port_in_use "$port" && fail "port $port is already in use (choose another with --port)"
port_in_use "$web_port" && fail "port $web_port is already in use (choose another with --web-port)"

# The embedded-pulsar module's classes (PulsarBroker) and its runtime classpath (pulsar-broker and
# its dependencies), built when a source changed.
source scripts/lib/module-classpath.sh
classpath=$(module_classpath embedded-pulsar) || fail "could not build the embedded-pulsar module"

cat >"$run_dir/log4j2.properties" <<'LOG4J'
# Written by scripts/pulsar-start.sh at every start; the broker's output goes to pulsar.log.
appender.console.type=Console
appender.console.name=console
appender.console.target=SYSTEM_ERR
appender.console.layout.type=PatternLayout
appender.console.layout.pattern=[%d] %p %m (%c)%n
rootLogger=INFO,console
logger.bookkeeper.name=org.apache.bookkeeper
logger.bookkeeper.level=WARN
LOG4J

# PULSAR_HEAP_OPTS may hold several flags, as with Pulsar's own scripts: split on purpose.
java_opts=(${PULSAR_HEAP_OPTS:--Xmx512m -XX:MaxDirectMemorySize=256m} -XX:+UseG1GC -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$run_dir/log4j2.properties"
  # Pulsar reads container and GC figures through these JDK internals, as its own bin/pulsar allows.
  --add-opens=java.base/jdk.internal.platform=ALL-UNNAMED
  --add-opens=java.management/sun.management=ALL-UNNAMED
  --add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED)

started_at=$(date +%s%N)
log_offset=$(stat -c %s "$log_file" 2>/dev/null || echo 0)
# setsid detaches the broker from this terminal, so Ctrl-C here does not reach it.
setsid java -cp "$classpath" "${java_opts[@]}" "$main_class" --port "$port" --web-port "$web_port" \
  --data-dir "$run_dir/data" >>"$log_file" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pid_file"

# PulsarBroker prints the URL only after the broker's own health check (a produce and consume
# through the bookie) has passed; an open port alone means little.
await_ready "$pid" "$pid_file" "$log_file" "$timeout_s" log_has_since "$log_file" "$log_offset" '^pulsar.service.url='

elapsed_ms=$(( ($(date +%s%N) - started_at) / 1000000 ))
service_url="pulsar://127.0.0.1:$port"
echo "$service_url" >"$run_dir/service.url"
echo "pulsar-start: broker ready in ${elapsed_ms} ms (pid $pid, admin http://127.0.0.1:$web_port, log $log_file)" >&2
echo "pulsar.service.url=$service_url"
