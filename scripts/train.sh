#!/usr/bin/env bash
# Trains the purchase-propensity model on a simulated warm-up period (see docs/trainer.md).
#   scripts/train.sh train --events 200000 --out run/model
#   scripts/train.sh train --events 200000 --out run/model --registry http://localhost:8095 --token "$EDITOR_TOKEN"
#   scripts/train.sh train --help
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/module-classpath.sh

classpath=$(module_classpath trainer)
exec java -cp "$classpath" dev.flywheel.trainer.TrainerCli "$@"
