#!/usr/bin/env bash
# The shop simulator on its own: generate traffic or replay the Taobao sample, into Kafka or a file.
#   scripts/simulate.sh generate --bootstrap localhost:9092 --topic clickstream --rate 5000 --seconds 60
#   scripts/simulate.sh generate --events 100000 --malformed-rate 0.01 --out events.jsonl
#   scripts/simulate.sh replay-taobao --file ../shared/data/taobao-user-behavior-110k.csv --speedup 60 --bootstrap localhost:9092
#   scripts/simulate.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."

jar=$(ls simulator/target/flywheel-simulator-*-cli.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ] || [ -n "$(find schema/src simulator/src -newer "$jar" -type f -print -quit)" ]; then
  echo "building the simulator..." >&2
  mkdir -p run
  if ! mvn -B -pl simulator -am install -DskipTests > run/build-simulator.log 2>&1; then
    grep -E '\[ERROR\]' run/build-simulator.log | head -20 >&2
    echo "build failed: see run/build-simulator.log" >&2
    exit 1
  fi
  jar=$(ls simulator/target/flywheel-simulator-*-cli.jar | head -n 1)
fi
exec java -jar "$jar" "$@"
