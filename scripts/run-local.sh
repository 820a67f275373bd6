#!/usr/bin/env bash
# Runs Flywheel on the embedded stack: a first model trained on a simulated warm-up; Kafka (KRaft), a
# Flink MiniCluster and the model registry in one JVM; the shop simulator producing into it; the
# analytics and scoring jobs side by side (docs/local.md). Builds first when sources changed.
#   scripts/run-local.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/module-classpath.sh

classpath=$(module_classpath local)
mkdir -p run
exec java -Xmx3g "${JAVA_OPENS[@]}" -cp "$classpath" dev.flywheel.local.FlywheelLocal "$@"
