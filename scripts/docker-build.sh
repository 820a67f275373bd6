#!/usr/bin/env bash
# Builds Flywheel's container images (docker/README.md): builds the jars with Maven, stages each
# image's jars next to its Dockerfile (docker/<image>/stage/, not in git), then runs
# `docker compose build` when a Docker engine is available. The images hold exactly the jars the
# tests ran: the shaded jobs jar, flink-connector-base, and each service's runtime class path.
#   scripts/docker-build.sh            # build and stage, then build the images
#   scripts/docker-build.sh --stage-only
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
Usage: scripts/docker-build.sh [--stage-only]
Builds the jars, stages them under docker/<image>/stage/ and builds the images with
`docker compose build` (or docker-compose). --stage-only stops after staging.
USAGE
}
fail() { echo "docker-build: $*" >&2; exit 2; }

stage_only=false
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --stage-only) stage_only=true ;;
  "") ;;
  *) fail "unknown argument '$1' (try --help)" ;;
esac
[ $# -le 1 ] || fail "too many arguments (try --help)"

version=0.1.0-SNAPSHOT
mkdir -p run
echo "building the jars (Maven output in run/build-docker.log)..." >&2
if ! mvn -B -pl jobs,cluster,model-registry,trainer,simulator -am install -DskipTests > run/build-docker.log 2>&1; then
  grep -E '\[ERROR\]' run/build-docker.log | head -20 >&2
  echo "docker-build: the Maven build failed: see run/build-docker.log" >&2
  exit 1
fi

# A module's jar and its runtime dependencies, into a directory.
runtime_jars() {
  local module=$1 artifact=$2 target=$3
  mkdir -p "$target"
  cp "$module/target/$artifact-$version.jar" "$target/"
  mvn -B -q -pl "$module" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$PWD/$target" \
    >> run/build-docker.log 2>&1 || { echo "docker-build: staging $module failed: see run/build-docker.log" >&2; exit 1; }
}

rm -rf docker/jobs/stage docker/registry/stage docker/trainer/stage
mkdir -p docker/jobs/stage/lib
cp "jobs/target/flywheel-jobs-$version-flink-job.jar" docker/jobs/stage/flywheel-jobs.jar
cp jobs/target/cluster-lib/*.jar docker/jobs/stage/lib/
runtime_jars cluster flywheel-cluster docker/jobs/stage/cli
runtime_jars model-registry flywheel-model-registry docker/registry/stage/lib
cp model-registry/config/log4j2.xml docker/registry/stage/log4j2.xml
runtime_jars trainer flywheel-trainer docker/trainer/stage/lib
echo "staged: jobs $(du -sh docker/jobs/stage | cut -f1), registry $(du -sh docker/registry/stage | cut -f1)," \
  "trainer $(du -sh docker/trainer/stage | cut -f1)" >&2

$stage_only && exit 0
if docker compose version > /dev/null 2>&1; then
  exec docker compose -f docker/docker-compose.yml build
elif command -v docker-compose > /dev/null 2>&1 && docker info > /dev/null 2>&1; then
  exec docker-compose -f docker/docker-compose.yml build
fi
echo "docker-build: no Docker engine here: staged only; run 'docker compose -f docker/docker-compose.yml build' where one is" >&2
