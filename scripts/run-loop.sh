#!/usr/bin/env bash
# Runs the whole loop on the embedded stack: a shop with weeks of history and a first model trained
# on it; Kafka (KRaft), a Flink MiniCluster, the model registry and a Pulsar broker; the scoring and
# monitor jobs, a trainer worker and the release controller; live traffic with an optional drift,
# and a frozen copy of the first model on the same stream. Writes a report with charts
# (docs/loop.md). Builds first when sources changed.
#   scripts/run-loop.sh --drift preference_shift@4h
#   scripts/run-loop.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/module-classpath.sh

classpath=$(module_classpath local)
mkdir -p run
exec java -Xmx4g "${JAVA_OPENS[@]}" -cp "$classpath" dev.flywheel.local.FlywheelLoop "$@"
