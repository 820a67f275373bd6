#!/usr/bin/env bash
# Runs Flywheel on the embedded stack: Kafka (KRaft) and a Flink MiniCluster in one JVM, the shop
# simulator producing into it, and the analytics job. Builds first when needed.
#   scripts/run-local.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f local/target/classpath.txt ] || [ -n "$(find schema simulator embedded jobs local pom.xml -newer local/target/classpath.txt \( -name '*.java' -o -name 'pom.xml' -o -name '*.xml' -o -name '*.json' \) -print -quit)" ]; then
  echo "building Flywheel (first run downloads dependencies from Maven Central)..." >&2
  mvn -B -q install -DskipTests
  mvn -B -q -pl local dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
fi

mkdir -p run
exec java -Xmx3g \
  --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -cp "local/target/classes:$(cat local/target/classpath.txt)" \
  dev.flywheel.local.FlywheelLocal "$@"
