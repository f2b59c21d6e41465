#!/usr/bin/env bash
# The README's first command: prepare this machine, then run the local cluster in the foreground.
# Installs what is missing (Docker engine, nats-server, pnpm, the workspace's dependencies, the
# local test image), starts dockerd if needed, then hands over to `./shoal devstack --hello`: one
# orchestrator and three agents, a hello-world job (`echo hello world` in the local test image,
# nothing is pulled) whose output is printed once the cluster is ready, then the cluster stays in
# the foreground until Ctrl-C.
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

# The workspace's dependencies (mostly compiling SQLite for the agent's store, on one core) install
# while apt and dockerd, which they do not need, take the other core.
run_step 1 5 "pnpm $PNPM_VERSION" pnpm_ensure
run_step_background 2 5 "pnpm install --frozen-lockfile" pnpm_deps
host_rc=0
{ run_step 3 5 "host packages (apt)" host_deps_install && run_step 4 5 "docker engine" docker_ensure_running; } ||
  host_rc=$?
# Waited for even when the host steps failed: no install is left running behind a failed setup.
wait_background_step
((host_rc == 0)) || exit "$host_rc"
run_step 5 5 "local image $SHOAL_TEST_IMAGE" test_images_ensure

# The agents find Docker and devstack finds nats-server the way the steps above set them up.
export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
if nats_bin="$(nats_server_bin 2>/dev/null)"; then export NATS_SERVER_BIN="${NATS_SERVER_BIN:-$nats_bin}"; fi
exec "$SHOAL_REPO_ROOT/shoal" devstack --hello --hello-image "$SHOAL_TEST_IMAGE" "$@"
