#!/usr/bin/env bash
# JMH benchmark of the scorer: Flywheel's LoadedModel (score at batch 1, scoreBatch at 8..256)
# against a bare ONNX Runtime loop on the same trained model file, in ns per row.
#   scripts/bench-scorer.sh [--model run/bench-model] [--train true] [--batches 1,8,32,64,256]
#                           [--forks 1] [--warmup-iterations 2] [--iterations 3] [--iteration-time 1s]
#                           [--verbose false] [--seed 42]
# Without --model a model is trained into run/bench-model first. About a minute with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

source scripts/lib/module-classpath.sh
classpath=$(module_classpath bench)
exec java -Xmx2g -Dflywheel.log.file=run/bench-scorer.log -cp "$classpath" \
  dev.flywheel.bench.ScorerBenchmarkRunner "$@"
