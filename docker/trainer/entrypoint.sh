#!/usr/bin/env bash
# First start: train a first purchase-propensity model on a simulated warm-up and register it (the
# registry makes the first ready version of a model its champion). Every start: run the worker.
# Settings come from the environment (docker-compose.yml's trainer service).
set -euo pipefail
: "${FLYWHEEL_REGISTRY_URL:?}" "${FLYWHEEL_REGISTRY_TOKEN:?}" "${FLYWHEEL_KAFKA_BOOTSTRAP:?}" "${FLYWHEEL_PULSAR_URL:?}"
trainer() { java -cp '/opt/flywheel/lib/*' dev.flywheel.trainer.TrainerCli "$@"; }

if [ ! -f /data/first-model/registered ]; then
  echo "training a first model on a simulated warm-up of ${FLYWHEEL_WARMUP_EVENTS:-100000} events..."
  trainer train --events "${FLYWHEEL_WARMUP_EVENTS:-100000}" --out /data/first-model \
    --registry "$FLYWHEEL_REGISTRY_URL" --token "$FLYWHEEL_REGISTRY_TOKEN"
  touch /data/first-model/registered
fi

exec java -cp '/opt/flywheel/lib/*' dev.flywheel.trainer.TrainerCli worker \
  --pulsar "$FLYWHEEL_PULSAR_URL" --bootstrap "$FLYWHEEL_KAFKA_BOOTSTRAP" \
  --registry "$FLYWHEEL_REGISTRY_URL" --token "$FLYWHEEL_REGISTRY_TOKEN" \
  --metrics-port "${FLYWHEEL_METRICS_PORT:-9400}" "$@"
