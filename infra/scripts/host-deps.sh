#!/usr/bin/env bash
# Host packages: Docker engine, nats-server and a static busybox (for the local test image); with
# SHOAL_HOST_DEPS_TESTS=1 (.ci/run) also what the test suites need: chromium for the browser tests,
# openssl, psql and - only when no Postgres answers on 127.0.0.1:5432 - the PostgreSQL server.
# Installs only what is missing; `apt-get update` runs only if something must be installed.
#
#   infra/scripts/host-deps.sh            # check + install
#   infra/scripts/host-deps.sh --check    # list what is missing, install nothing (exit 1 if any)

# shellcheck source=infra/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN_DIR="${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}"
BUSYBOX_BIN="${BUSYBOX_BIN:-/bin/busybox}"

# Postgres answering on the default port? (pg_isready when present, else a bash /dev/tcp probe)
postgres_default_answers() {
  if have pg_isready; then
    pg_isready -q -h 127.0.0.1 -p 5432 -t 3
  else
    tcp_open 127.0.0.1 5432
  fi
}

nats_server_bin() {
  if [[ -n "${NATS_SERVER_BIN:-}" && -x "${NATS_SERVER_BIN}" ]]; then
    printf '%s\n' "$NATS_SERVER_BIN"
  elif have nats-server; then
    command -v nats-server
  elif [[ -x /usr/sbin/nats-server ]]; then
    printf '%s\n' /usr/sbin/nats-server
  else
    return 1
  fi
}

static_busybox_present() {
  [[ -x "$BUSYBOX_BIN" ]] || return 1
  # A static binary has no interpreter: ldd says "not a dynamic executable" and fails.
  ! ldd "$BUSYBOX_BIN" >/dev/null 2>&1
}

# Prints the Debian packages that are missing, one per line.
host_deps_missing() {
  # Any working Docker CLI + daemon binary will do (docker.io or docker-ce); do not fight over it.
  if ! have docker || ! { have dockerd || [[ -x /usr/sbin/dockerd ]]; }; then
    echo docker.io
    # Recommended by docker.io (we skip recommends): without apparmor_parser, containers fail to
    # start on kernels with AppArmor enabled (Debian's default).
    have apparmor_parser || [[ -x /usr/sbin/apparmor_parser ]] || echo apparmor
  fi
  nats_server_bin >/dev/null || echo nats-server
  if ! deb_installed busybox-static && ! static_busybox_present; then echo busybox-static; fi
  # What only the test suites need; the devstack (PGlite, no browser) runs without it.
  if [[ -n "${SHOAL_HOST_DEPS_TESTS:-}" ]]; then
    if ! postgres_default_answers && ! [[ -x "$PG_BIN_DIR/initdb" && -x "$PG_BIN_DIR/pg_ctl" ]]; then
      echo postgresql
    fi
    have psql || echo postgresql-client         # used to verify DATABASE_URL
    have openssl || echo openssl                # the NATS TLS test makes its own certificates
    [[ -x /usr/bin/chromium ]] || echo chromium # the web dashboard's browser tests (playwright-core)
  fi
  return 0
}

host_deps_install() {
  local missing=()
  mapfile -t missing < <(host_deps_missing)
  if ((${#missing[@]} == 0)); then
    step_note "all present"
    return 0
  fi
  log "installing: ${missing[*]}"
  apt_install "${missing[@]}"
  hash -r
  local still
  still="$(host_deps_missing | tr '\n' ' ')"
  [[ -z "${still// /}" ]] || die "still missing after apt-get install: $still"
  step_note "installed ${missing[*]}"
}

host_deps_main() {
  if [[ "${1:-}" == --check ]]; then
    local m
    m="$(host_deps_missing)"
    if [[ -n "$m" ]]; then
      printf 'missing: %s\n' "$(tr '\n' ' ' <<<"$m")"
      return 1
    fi
    echo "all host dependencies present"
    return 0
  fi
  host_deps_install
}

shoal_main_if_executed "${BASH_SOURCE[0]}" host_deps_main "$@"
