#!/usr/bin/env bash
# Runs Flywheel on the embedded stack: a first model trained on a simulated warm-up; Kafka (KRaft), a
# Flink MiniCluster and the model registry in one JVM; the shop simulator producing into it; the
# analytics and scoring jobs side by side (docs/local.md). Builds first when sources changed.
# Your own events and Kafka instead of the simulator and the embedded broker (docs/local.md#your-own-events):
#   scripts/run-local.sh --events my-events.jsonl --bootstrap kafka:9092 --clickstream-topic my-clicks
#   scripts/run-local.sh --help
set -euo pipefail
# Relative paths in the arguments (--events) mean where you ran it from, not the repository root.
export FLYWHEEL_CALLER_DIR="$PWD"
cd "$(dirname "$0")/.."
source scripts/lib/module-classpath.sh

classpath=$(module_classpath local)
mkdir -p run
exec java -Xmx3g "${JAVA_OPENS[@]}" -cp "$classpath" dev.flywheel.local.FlywheelLocal "$@"
