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

source scripts/lib/module-classpath.sh

classpath=$(module_classpath model-registry)
exec java -Dlog4j2.configurationFile=model-registry/config/log4j2.xml \
  -cp "$classpath" dev.flywheel.registry.cli.RegistryCommand "$@"
