#!/usr/bin/env bash
# Bootstrap against streaming: the same simulated history warmed into the scoring job's features
# by the bootstrap job (JSON-lines file -> savepoint) and by replaying it through the streaming
# scoring job from Kafka, events/s of each in one run, and their ratio (target >= 3x).
#   scripts/bench-bootstrap.sh [--events 1000000] [--users 100000] [--parallelism 2]
#                              [--state-backend hashmap|rocksdb] [--rounds 2] [--seed 42]
# Kafka's and Flink's logs go to run/bench-bootstrap.log.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

source scripts/lib/module-classpath.sh
classpath=$(module_classpath bench)
mkdir -p run
exec java -Xmx4g "${JAVA_OPENS[@]}" -Dflywheel.log.file=run/bench-bootstrap.log -cp "$classpath" \
  dev.flywheel.bench.BootstrapBenchmark "$@"
