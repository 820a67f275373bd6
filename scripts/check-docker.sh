#!/usr/bin/env bash
# Validates docker/docker-compose.yml without a Docker engine: `docker-compose config -q` parses
# the file, resolves anchors and variables, and checks it against the Compose schema; the images'
# Dockerfiles must exist. CI runs this; as root it installs Debian's docker-compose when missing.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/check-docker.sh
Validates docker/docker-compose.yml with `docker-compose config -q`; installs Debian's
docker-compose first when it is missing and this runs as root.
USAGE
}

fail() {
  echo "check-docker: $*" >&2
  exit 1
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) fail "unknown argument '$1' (try --help)" ;;
esac

compose_file="$(cd "$(dirname "$0")/.." && pwd)/docker/docker-compose.yml"
[ -f "$compose_file" ] || fail "$compose_file not found"

if ! command -v docker-compose >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || fail "docker-compose is not installed (as root: apt-get install docker-compose)"
  command -v apt-get >/dev/null 2>&1 || fail "docker-compose is not installed and apt-get is not available"
  echo "check-docker: installing docker-compose..." >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; } >/dev/null \
    || fail "could not install docker-compose"
fi

docker-compose -f "$compose_file" config -q || fail "$compose_file is not valid"
# config -q does not look into build contexts: each image's Dockerfile must be where the file says.
docker_dir=$(dirname "$compose_file")
for image in jobs registry trainer; do
  [ -f "$docker_dir/$image/Dockerfile" ] || fail "$docker_dir/$image/Dockerfile not found"
done
bash -n "$docker_dir/trainer/entrypoint.sh" || fail "$docker_dir/trainer/entrypoint.sh has a syntax error"
echo "check-docker: $compose_file is valid" >&2
