#!/usr/bin/env bash
# Make sure a Docker engine answers on $DOCKER_HOST (default unix:///var/run/docker.sock).
# If `docker info` fails: start the engine (systemd when it runs the machine, else a background
# `dockerd` logging to $DOCKERD_LOG) and wait until the socket exists and `docker info` succeeds.
#
#   infra/scripts/docker.sh

# shellcheck source=infra/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${DOCKER_HOST:-}" == unix://* ]]; then
  DOCKER_SOCK="${DOCKER_HOST#unix://}"
else
  DOCKER_SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
fi
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/shoal-dockerd.log}"
DOCKER_START_TIMEOUT="${DOCKER_START_TIMEOUT:-60}"

docker_ok() { timeout 20 docker info >/dev/null 2>&1; }

docker_start_daemon() {
  if [[ -d /run/systemd/system ]] && have systemctl; then
    log "starting docker via systemd"
    if as_root systemctl start docker; then return 0; fi
    warn "systemctl start docker failed; falling back to a background dockerd"
  fi
  local dockerd_bin logfile=$DOCKERD_LOG
  dockerd_bin="$(command -v dockerd || echo /usr/sbin/dockerd)"
  [[ -x "$dockerd_bin" ]] || die "dockerd not found (apt-get install docker.io, or run infra/scripts/host-deps.sh)"
  if ! touch "$logfile" 2>/dev/null; then logfile="${TMPDIR:-/tmp}/shoal-dockerd.log"; fi
  log "starting $dockerd_bin in the background (log: $logfile)"
  # setsid + nohup: the daemon must outlive this script and its process group, and it must not keep
  # any of our descriptors (see close_inherited_fds).
  (
    close_inherited_fds
    as_root setsid nohup "$dockerd_bin" --host "unix://$DOCKER_SOCK"
  ) >>"$logfile" 2>&1 </dev/null &
  disown || true
}

docker_wait_ready() {
  local deadline=$((SECONDS + DOCKER_START_TIMEOUT))
  until [[ -S "$DOCKER_SOCK" ]] && docker_ok; do
    if ((SECONDS >= deadline)); then
      [[ -f "$DOCKERD_LOG" ]] && tail -n 40 "$DOCKERD_LOG" >&2
      die "docker engine not ready after ${DOCKER_START_TIMEOUT}s (socket $DOCKER_SOCK)"
    fi
    sleep 0.5
  done
}

docker_ensure_running() {
  export DOCKER_HOST="${DOCKER_HOST:-unix://$DOCKER_SOCK}"
  have docker || die "docker CLI not found (run infra/scripts/host-deps.sh)"
  if docker_ok; then
    step_note "already running ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    return 0
  fi
  # A daemon that is still starting (socket present, pid alive) only needs time.
  if [[ -S "$DOCKER_SOCK" ]] && { pgrep -x dockerd || pidof dockerd; } >/dev/null 2>&1; then
    log "dockerd is running but not answering yet; waiting"
  else
    docker_start_daemon
  fi
  docker_wait_ready
  step_note "started ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
}

shoal_main_if_executed "${BASH_SOURCE[0]}" docker_ensure_running "$@"
