#!/usr/bin/env bash
# Stops the broker started by scripts/pulsar-start.sh: SIGTERM (the broker unloads its topics and
# closes the bookie cleanly), then SIGKILL if it has not exited in time.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/pulsar-stop.sh [--timeout SECONDS]

Stops the Pulsar broker started by scripts/pulsar-start.sh (PID file run/pulsar/pulsar.pid).
  --timeout SECONDS   wait this long after SIGTERM before SIGKILL (default 30)
  -h, --help          this text
Data in run/pulsar/data is kept; delete run/pulsar to start from an empty broker.
USAGE
}

fail() {
  echo "pulsar-stop: $*" >&2
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

run_dir="$(cd "$(dirname "$0")/.." && pwd)/run/pulsar"
pid_file="$run_dir/pulsar.pid"

if [ ! -f "$pid_file" ]; then
  echo "pulsar-stop: not running (no $pid_file)" >&2
  exit 0
fi
pid=$(cat "$pid_file")
# A stale PID file may name a process that reused the number: only signal our broker.
if ! kill -0 "$pid" 2>/dev/null || ! grep -qa 'dev.flywheel.embedded.pulsar.PulsarBroker' "/proc/$pid/cmdline" 2>/dev/null; then
  rm -f "$pid_file" "$run_dir/service.url"
  echo "pulsar-stop: not running (removed stale PID file for pid $pid)" >&2
  exit 0
fi

kill -TERM "$pid" || fail "could not signal pid $pid"
deadline=$((SECONDS + timeout_s))
while kill -0 "$pid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "pulsar-stop: pid $pid still running after ${timeout_s}s, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
    if kill -0 "$pid" 2>/dev/null; then
      fail "pid $pid survived SIGKILL"
    fi
    break
  fi
  sleep 0.2
done
rm -f "$pid_file" "$run_dir/service.url"
echo "pulsar-stop: stopped (pid $pid)" >&2
