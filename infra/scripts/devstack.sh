#!/usr/bin/env bash
# The README's first command: prepare this machine, then run the local cluster in the foreground.
# Installs what is missing (Docker engine, nats-server, pnpm, the workspace's dependencies, the
# local test image), starts dockerd if needed, then hands over to `./shoal devstack`.
#
#   bash infra/scripts/devstack.sh [devstack flags…]     e.g. --nodes 3 --api-port 1234
set -euo pipefail

here="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=infra/scripts/lib.sh
source "$here/lib.sh"
for script in host-deps docker node-deps test-images; do
  # shellcheck source=/dev/null
  source "$here/$script.sh"
done
export DEBIAN_FRONTEND=noninteractive
export SHOAL_TEST_IMAGE="${SHOAL_TEST_IMAGE:-shoal-test/busybox:latest}"

STEPS=(
  "host packages (apt)|host_deps_install"
  "docker engine|docker_ensure_running"
  "pnpm $PNPM_VERSION|pnpm_ensure"
  "pnpm install --frozen-lockfile|pnpm_deps"
  "local image $SHOAL_TEST_IMAGE|test_images_ensure"
)
i=0
for entry in "${STEPS[@]}"; do
  i=$((i + 1))
  run_step "$i" "${#STEPS[@]}" "${entry%%|*}" "${entry#*|}"
done

exec "$SHOAL_REPO_ROOT/shoal" devstack "$@"
