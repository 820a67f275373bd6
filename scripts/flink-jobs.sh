#!/usr/bin/env bash
# Runs Flywheel's jobs on your Flink session cluster and stops them with a savepoint (README,
# "Running the jobs on your own Flink cluster"). Builds the shaded jobs jar and this command first
# when sources changed.
#   scripts/flink-jobs.sh submit --rest http://jobmanager:8081 --job scoring --config scoring.properties
#   scripts/flink-jobs.sh submit --rest http://jobmanager:8081 --job scoring --config scoring.properties \
#       --from-savepoint file:/savepoints/savepoint-1a2b3c-0123456789ab
#   scripts/flink-jobs.sh stop --rest http://jobmanager:8081 --job scoring --savepoint-dir file:/savepoints
#   scripts/flink-jobs.sh --help
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/jobs/target/flywheel-jobs-0.1.0-SNAPSHOT-flink-job.jar"

# Paths on the command line stay relative to the caller's directory: only the build runs in $root.
if [ -n "${FLYWHEEL_CLUSTER_CLASSPATH:-}" ]; then
  # Set by the tests, which have built both modules already.
  classpath=$FLYWHEEL_CLUSTER_CLASSPATH
else
  # Building the cluster module builds the jobs module, and so the jar, too.
  classpath=$(cd "$root" && source scripts/lib/module-classpath.sh && module_classpath cluster \
    | sed "s#^cluster/#$root/cluster/#")
fi
exec java -D"flywheel.jobs.jar=$jar" -cp "$classpath" dev.flywheel.cluster.FlinkJobsCli "$@"
