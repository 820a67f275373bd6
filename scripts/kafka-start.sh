#!/usr/bin/env bash
# Starts a single-node Kafka 4.1 broker (KRaft, broker and controller in one process) in the
# background, from the Maven Central jars the embedded module already uses: no Kafka download.
# Topics survive restarts; data, logs and the PID file live in run/kafka/. Stop it with
# scripts/kafka-stop.sh.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/kafka-start.sh [--port PORT] [--controller-port PORT] [--timeout SECONDS]

Starts a single-node KRaft Kafka broker in the background and prints its bootstrap address.
  --port PORT             client port on localhost (default 9092)
  --controller-port PORT  KRaft controller port (default 9093)
  --timeout SECONDS       how long to wait for the broker to be ready (default 60)
  -h, --help              this text

Data, log file (kafka.log) and PID file live in run/kafka/. KAFKA_HEAP_OPTS overrides the
heap setting (default -Xmx512m). Stop with scripts/kafka-stop.sh.
EOF
}

fail() {
  echo "kafka-start: $*" >&2
  exit 1
}

port=9092
controller_port=9093
timeout_s=60
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || fail "--port needs a value"; port=$2; shift 2 ;;
    --controller-port) [ $# -ge 2 ] || fail "--controller-port needs a value"; controller_port=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || fail "--timeout needs a value"; timeout_s=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown argument '$1' (try --help)" ;;
  esac
done
for value in "$port" "$controller_port" "$timeout_s"; do
  [[ "$value" =~ ^[0-9]+$ ]] || fail "'$value' is not a number"
done
[ "$port" != "$controller_port" ] || fail "--port and --controller-port must differ"

repo=$(cd "$(dirname "$0")/.." && pwd)
run_dir="$repo/run/kafka"
data_dir="$run_dir/data"
pid_file="$run_dir/kafka.pid"
log_file="$run_dir/kafka.log"
classpath_file="$run_dir/classpath.txt"
mkdir -p "$run_dir"
source "$repo/scripts/lib/broker-process.sh"

refuse_if_running "$pid_file" kafka.Kafka "$run_dir/bootstrap.servers" scripts/kafka-stop.sh
port_in_use "$port" && fail "port $port is already in use (choose another with --port)"
port_in_use "$controller_port" && fail "controller port $controller_port is already in use (choose another with --controller-port)"

# The embedded module's runtime classpath holds the broker (kafka_2.13) and its dependencies.
# JUnit is an optional compile dependency of that module, not something the broker needs.
if [ ! -s "$classpath_file" ] || [ "$repo/embedded/pom.xml" -nt "$classpath_file" ] || [ "$repo/pom.xml" -nt "$classpath_file" ]; then
  echo "kafka-start: resolving the broker classpath with Maven..." >&2
  mvn_args=(-q -B -f "$repo/pom.xml" dependency:build-classpath -pl embedded
    -Dmdep.outputFile="$classpath_file" -DincludeScope=runtime
    -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian)
  if ! mvn -o "${mvn_args[@]}" >"$run_dir/mvn.log" 2>&1; then
    echo "kafka-start: offline resolution failed, trying Maven Central..." >&2
    mvn "${mvn_args[@]}" >"$run_dir/mvn.log" 2>&1 || { rm -f "$classpath_file"; fail "could not resolve the classpath; see $run_dir/mvn.log"; }
  fi
fi
classpath=$(cat "$classpath_file")

# Static voters rather than a `format --standalone` dynamic quorum: the voter endpoint is then
# read from this file at every start instead of being frozen into the metadata log, so the
# ports can change between runs. A single-node development broker never adds controllers.
cat >"$run_dir/server.properties" <<EOF
# Written by scripts/kafka-start.sh at every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$controller_port
listeners=PLAINTEXT://localhost:$port,CONTROLLER://localhost:$controller_port
advertised.listeners=PLAINTEXT://localhost:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$data_dir
# One node: internal topics can only have one replica, or consumer groups and
# transactions (exactly-once sinks) never get their coordinators.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
default.replication.factor=1
# Kafka waits 3 s for more group members before the first rebalance; not useful here.
group.initial.rebalance.delay.ms=0
num.partitions=1
EOF

cat >"$run_dir/log4j2.properties" <<'EOF'
# Written by scripts/kafka-start.sh at every start; the broker's output goes to kafka.log.
appender.console.type=Console
appender.console.name=console
# stderr, so that tools whose stdout is their answer (StorageTool random-uuid) stay clean.
appender.console.target=SYSTEM_ERR
appender.console.layout.type=PatternLayout
appender.console.layout.pattern=[%d] %p %m (%c)%n
rootLogger=INFO,console
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.statechange.name=state.change.logger
logger.statechange.level=WARN
EOF

# KAFKA_HEAP_OPTS may hold several flags, as with Kafka's own scripts: split on purpose.
java_opts=(${KAFKA_HEAP_OPTS:--Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$run_dir/log4j2.properties")

# Formatted once; later starts reuse the data (and the cluster id in its meta.properties).
if [ ! -f "$data_dir/meta.properties" ]; then
  cluster_id=$(java -cp "$classpath" "${java_opts[@]}" kafka.tools.StorageTool random-uuid 2>>"$log_file") \
    || fail "could not generate a cluster id; see $log_file"
  [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || fail "unexpected cluster id '$cluster_id' from StorageTool random-uuid"
  java -cp "$classpath" "${java_opts[@]}" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$run_dir/server.properties" >>"$log_file" 2>&1 \
    || fail "formatting $data_dir failed; see $log_file"
fi

started_at=$(date +%s%N)
log_offset=$(stat -c %s "$log_file" 2>/dev/null || echo 0)
# setsid detaches the broker from this terminal, so Ctrl-C here does not reach it.
setsid java -cp "$classpath" "${java_opts[@]}" kafka.Kafka "$run_dir/server.properties" \
  >>"$log_file" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pid_file"

# The port accepts connections before the broker serves requests; the log line marks readiness.
kafka_ready() {
  port_in_use "$port" && log_has_since "$log_file" "$log_offset" 'Kafka Server started'
}
await_ready "$pid" "$pid_file" "$log_file" "$timeout_s" kafka_ready

elapsed_ms=$(( ($(date +%s%N) - started_at) / 1000000 ))
echo "localhost:$port" >"$run_dir/bootstrap.servers"
echo "kafka-start: broker ready in ${elapsed_ms} ms (pid $pid, log $log_file)" >&2
echo "bootstrap.servers=localhost:$port"
