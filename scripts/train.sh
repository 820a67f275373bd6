#!/usr/bin/env bash
# Trains the purchase-propensity model on a simulated warm-up period (see docs/trainer.md).
#   scripts/train.sh train --events 200000 --out run/model
#   scripts/train.sh train --events 200000 --out run/model --registry http://localhost:8095 --token "$EDITOR_TOKEN"
#   scripts/train.sh train --help
set -euo pipefail
cd "$(dirname "$0")/.."

jar=$(ls trainer/target/flywheel-trainer-*.jar 2>/dev/null | head -n 1 || true)
classpath=trainer/target/runtime-classpath.txt
if [ -z "$jar" ] || [ ! -f "$classpath" ] \
    || [ -n "$(find schema/src simulator/src model-registry/src trainer/src trainer/pom.xml -newer "$jar" -type f -print -quit)" ]; then
  echo "building the trainer..." >&2
  mkdir -p run
  if ! mvn -B -pl trainer -am install -DskipTests > run/build-trainer.log 2>&1; then
    grep -E '\[ERROR\]' run/build-trainer.log | head -20 >&2
    echo "build failed: see run/build-trainer.log" >&2
    exit 1
  fi
  jar=$(ls trainer/target/flywheel-trainer-*.jar | head -n 1)
fi
exec java -cp "$jar:$(cat "$classpath")" dev.flywheel.trainer.TrainerCli "$@"
