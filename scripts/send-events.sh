#!/usr/bin/env bash
# Sends your own JSON-lines event file (one event per line, docs/events.md) into Kafka at a rate, in
# time order: a file that is not in time order is sorted in memory (up to --sort-limit records) or
# refused with a message that says how to sort it (docs/local.md#your-own-events).
#   scripts/send-events.sh --file events.jsonl --bootstrap localhost:9092 --topic clickstream --rate 2000
#   scripts/send-events.sh --file events.jsonl --out sorted.jsonl --rate 0      # just sort it into a file
#   scripts/send-events.sh --help
# Paths are taken from where you run it; JAVA_OPTS (say -Xmx2g for a bigger --sort-limit) goes to java.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
classpath=$(cd "$root" && source scripts/lib/module-classpath.sh && module_classpath simulator)
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -cp "$root/$classpath" dev.flywheel.simulator.SimulatorCli send-events "$@"
