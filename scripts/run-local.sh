#!/usr/bin/env bash
# Runs Flywheel on the embedded stack: Kafka (KRaft) and a Flink MiniCluster in one JVM, the shop
# simulator producing into it, and the analytics job. Builds first when needed.
#   scripts/run-local.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=local/target/classpath.txt
sources_changed() {
  [ -n "$(find pom.xml schema simulator embedded jobs local -path '*/target' -prune -o \
      -newer "$stamp" -type f \( -name '*.java' -o -name '*.xml' -o -name '*.json' -o -name '*.properties' \) \
      -print -quit)" ]
}
if [ ! -f "$stamp" ] || sources_changed; then
  echo "building Flywheel (the first run downloads dependencies from Maven Central)..." >&2
  mkdir -p run
  if ! { mvn -B install -DskipTests && mvn -B -pl local dependency:build-classpath -Dmdep.outputFile=target/classpath.txt; } \
      > run/build.log 2>&1; then
    grep -E '\[ERROR\]' run/build.log | head -20 >&2
    echo "build failed: see run/build.log" >&2
    exit 1
  fi
  touch "$stamp" # the plugin leaves an unchanged file untouched
fi

mkdir -p run
exec java -Xmx3g \
  --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -cp "local/target/classes:$(cat local/target/classpath.txt)" \
  dev.flywheel.local.FlywheelLocal "$@"
