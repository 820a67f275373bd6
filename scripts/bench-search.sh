#!/usr/bin/env bash
# Search latency over HTTP: p50/p99 and served queries/s at several offered loads, with the
# server's split into embedding, retrieval and re-ranking, on the simulator's catalogue.
#   scripts/bench-search.sh [--items 50000] [--rates 25,50,100,150] [--seconds 20] [--seed 42]
#                           [--embedding-cache run/search-cache]
# The first run embeds every item (minutes for 50,000 on 2 cores) and caches the vectors.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

source scripts/lib/module-classpath.sh
classpath=$(module_classpath bench)
exec java -Xmx3g -Dflywheel.log.file=run/bench-search.log -cp "$classpath" \
  dev.flywheel.bench.SearchBenchmark "$@"
