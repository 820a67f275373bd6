#!/usr/bin/env bash
# Runs Flywheel on the embedded stack: Kafka (KRaft) and a Flink MiniCluster in one JVM, the shop
# simulator producing into it, and the analytics job. Builds first when sources changed.
#   scripts/run-local.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/module-classpath.sh

classpath=$(module_classpath local)
mkdir -p run
exec java -Xmx3g "${JAVA_OPENS[@]}" -cp "$classpath" dev.flywheel.local.FlywheelLocal "$@"
