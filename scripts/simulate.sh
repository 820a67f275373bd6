#!/usr/bin/env bash
# The shop simulator on its own: generate traffic or replay the Taobao sample, into Kafka or a file.
#   scripts/simulate.sh generate --bootstrap localhost:9092 --topic clickstream --rate 5000 --seconds 60
#   scripts/simulate.sh generate --events 100000 --malformed-rate 0.01 --out events.jsonl
#   scripts/simulate.sh replay-taobao --file ../shared/data/taobao-user-behavior-110k.csv --speedup 60 --bootstrap localhost:9092
#   scripts/simulate.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/module-classpath.sh

classpath=$(module_classpath simulator)
exec java -cp "$classpath" dev.flywheel.simulator.SimulatorCli "$@"
