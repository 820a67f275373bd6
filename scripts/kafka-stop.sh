#!/usr/bin/env bash
# Stops the broker started by scripts/kafka-start.sh: SIGTERM (a clean shutdown that flushes
# logs and skips recovery at the next start), then SIGKILL if it has not exited in time.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/kafka-stop.sh [--timeout SECONDS]

Stops the Kafka broker started by scripts/kafka-start.sh (PID file run/kafka/kafka.pid).
  --timeout SECONDS   wait this long after SIGTERM before SIGKILL (default 30)
  -h, --help          this text
Data in run/kafka/data is kept; delete run/kafka to start from an empty broker.
EOF
}

fail() {
  echo "kafka-stop: $*" >&2
  exit 1
}

timeout_s=30
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) [ $# -ge 2 ] || fail "--timeout needs a value"; timeout_s=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown argument '$1' (try --help)" ;;
  esac
done
[[ "$timeout_s" =~ ^[0-9]+$ ]] || fail "'$timeout_s' is not a number"

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/broker-process.sh"
run_dir="$repo/run/kafka"
stop_broker kafka-stop "$run_dir/kafka.pid" 'kafka.Kafka' "$run_dir/bootstrap.servers" "$timeout_s"
