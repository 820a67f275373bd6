#!/usr/bin/env bash
# Benchmarks the feature stage on the embedded stack: one Kafka topic of simulated events read by a
# Kafka->Kafka passthrough job and by the scoring job's feature stage (events/s and their ratio),
# then the serialized size of the user feature state over a simulated population.
#   scripts/bench-features.sh [--events 3000000] [--users 1000000] [--state-events 20000000]
#                             [--parallelism 1,2] [--state-backend hashmap|rocksdb] [--seed 42]
# Set BENCH_SKIP_BUILD=1 to reuse the last build. Kafka's and Flink's logs go to run/bench.log.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

mkdir -p run
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -f bench/target/classpath.txt ]; then
  echo "building the benchmark and the modules it uses..." >&2
  if ! { mvn -B -q -pl bench -am install -DskipTests \
        && mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile=target/classpath.txt; } \
      > run/bench-build.log 2>&1; then
    grep -E '\[ERROR\]' run/bench-build.log | head -20 >&2
    echo "build failed: see run/bench-build.log" >&2
    exit 1
  fi
fi

exec java -Xmx6g \
  --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -Dflywheel.log.file=run/bench.log \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.flywheel.bench.FeatureThroughputBenchmark "$@"
