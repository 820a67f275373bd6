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

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/broker-process.sh"
run_dir="$repo/run/pulsar"
stop_broker pulsar-stop "$run_dir/pulsar.pid" 'dev.flywheel.embedded.pulsar.PulsarBroker' "$run_dir/service.url" "$timeout_s"
