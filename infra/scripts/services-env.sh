#!/usr/bin/env bash
# The environment the test suites read (see @shoal/testkit):
#   DATABASE_URL      a Postgres where the user may CREATE DATABASE (postgres.sh)
#   NATS_SERVER_BIN   the nats-server binary tests spawn (they never use a shared server)
#   DOCKER_HOST       the Docker engine (default unix:///var/run/docker.sock)
#   SHOAL_TEST_IMAGE  the image built by test-images.sh
#
# Detects only; starts nothing. Prints `export` lines, warnings go to stderr:
#   eval "$(infra/scripts/services-env.sh)"

# shellcheck source=infra/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=infra/scripts/host-deps.sh
source "$SHOAL_SCRIPTS_DIR/host-deps.sh"
# shellcheck source=infra/scripts/postgres.sh
source "$SHOAL_SCRIPTS_DIR/postgres.sh"

# services_env_export: exports (shoal_export) every variable it can determine; fails listing what
# is missing unless --lenient is given.
services_env_export() {
  local missing=() v
  if v="$(postgres_find_url)"; then
    shoal_export DATABASE_URL "$v"
  else
    missing+=("DATABASE_URL (no usable Postgres: run infra/scripts/postgres.sh)")
  fi
  if v="$(nats_server_bin)"; then
    shoal_export NATS_SERVER_BIN "$v"
  else
    missing+=("NATS_SERVER_BIN (apt-get install nats-server)")
  fi
  shoal_export DOCKER_HOST "${DOCKER_HOST:-unix:///var/run/docker.sock}"
  shoal_export SHOAL_TEST_IMAGE "${SHOAL_TEST_IMAGE:-shoal-test/busybox:latest}"
  if ! timeout 20 docker info >/dev/null 2>&1; then
    missing+=("docker engine at $DOCKER_HOST (run infra/scripts/docker.sh)")
  elif ! docker image inspect "$SHOAL_TEST_IMAGE" >/dev/null 2>&1; then
    missing+=("image $SHOAL_TEST_IMAGE (run infra/scripts/test-images.sh)")
  fi
  if ((${#missing[@]} > 0)); then
    for v in "${missing[@]}"; do warn "missing: $v"; done
    [[ "${1:-}" == --lenient ]] || return 1
  fi
  step_note "DATABASE_URL=$(pg_redact "${DATABASE_URL:-}") NATS_SERVER_BIN=${NATS_SERVER_BIN:-} DOCKER_HOST=$DOCKER_HOST SHOAL_TEST_IMAGE=$SHOAL_TEST_IMAGE"
}

services_env_main() {
  services_env_export --lenient >&2
  local name
  for name in DATABASE_URL NATS_SERVER_BIN DOCKER_HOST SHOAL_TEST_IMAGE; do
    [[ -n "${!name:-}" ]] && printf 'export %s=%q\n' "$name" "${!name}"
  done
  return 0
}

shoal_main_if_executed "${BASH_SOURCE[0]}" services_env_main "$@"
