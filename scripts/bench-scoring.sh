#!/usr/bin/env bash
# End-to-end benchmark of the scoring job on the embedded stack, in one run on one topic of
# simulated events: events/s of a Kafka passthrough, a two-shuffle passthrough, the feature stages
# alone, the scoring job with a registered model (decisions + exactly-once outcomes), and a bolt-on
# comparator scoring over HTTP; then event-to-decision latency p50/p99 at each buffer timeout.
#   scripts/bench-scoring.sh [--events 200000] [--users 100000] [--parallelism 2]
#                            [--state-backend hashmap|rocksdb] [--buffer-timeouts 0,5,100]
#                            [--linger 5ms] [--checkpoint-interval 10s] [--latency-rate EV_PER_S]
#                            [--latency-seconds 20s] [--latency-warmup 10s] [--http-capacity 64]
#                            [--http-threads 4] [--http-events 30000] [--warm-up true] [--model DIR] [--seed 42]
# --latency-seconds 0 skips the latency runs. Kafka's and Flink's logs go to run/bench-scoring.log.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

source scripts/lib/module-classpath.sh
classpath=$(module_classpath bench)
exec java -Xmx6g "${JAVA_OPENS[@]}" -Dflywheel.log.file=run/bench-scoring.log -cp "$classpath" \
  dev.flywheel.bench.ScoringThroughputBenchmark "$@"
