#!/usr/bin/env bash
# The model registry: run the service, or talk to one (docs/model-registry.md).
#   scripts/registry.sh serve --local                                   # loopback, default tokens, no Kafka
#   FLYWHEEL_REGISTRY_EDITOR_TOKEN=... FLYWHEEL_REGISTRY_READER_TOKEN=... \
#     scripts/registry.sh serve --store /var/lib/flywheel/registry --bind 0.0.0.0 --kafka kafka:9092
#   scripts/registry.sh register --model m.onnx --descriptor m.json --token "$EDITOR_TOKEN"
#   scripts/registry.sh list | show MODEL [VERSION] | promote MODEL [VERSION] | rollback MODEL
#   scripts/registry.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."

classpath_file=model-registry/target/classpath.txt
if [ ! -f "$classpath_file" ] || [ -n "$(find schema/src model-registry/src model-registry/pom.xml -newer "$classpath_file" -type f -print -quit)" ]; then
  echo "building the model registry..." >&2
  mkdir -p run
  if ! mvn -B -pl model-registry -am install -DskipTests > run/build-registry.log 2>&1 \
      || ! mvn -B -pl model-registry dependency:build-classpath -Dmdep.includeScope=runtime \
             -Dmdep.outputFile=target/classpath.txt >> run/build-registry.log 2>&1; then
    grep -E '\[ERROR\]' run/build-registry.log | head -20 >&2
    echo "build failed: see run/build-registry.log" >&2
    exit 1
  fi
fi
exec java -Dlog4j2.configurationFile=model-registry/config/log4j2.xml \
  -cp "model-registry/target/classes:$(cat "$classpath_file")" dev.flywheel.registry.cli.RegistryCommand "$@"
