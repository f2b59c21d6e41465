# shellcheck shell=bash
# Shared helpers for infra/scripts/*.sh and .ci/run. Source it; it does not change shell options.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Conventions used by the other scripts:
#   - every script defines functions and only runs its main when executed directly, so .ci/run and
#     a future setup.sh can source it and reuse the steps;
#   - every step is idempotent: check first, act only when something is missing;
#   - a step that must hand variables to later steps writes `export NAME=value` lines with
#     shoal_export (steps run in subshells, see run_step).

[[ -n "${_SHOAL_LIB_LOADED:-}" ]] && return 0
_SHOAL_LIB_LOADED=1

SHOAL_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
# shellcheck disable=SC2034 # used by the scripts that source this file
SHOAL_SCRIPTS_DIR="$SHOAL_REPO_ROOT/infra/scripts"

log() { printf '%s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Seconds since the epoch with microseconds (bash >= 5).
now() { printf '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }
# elapsed START -> "1.2s"
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

# Run a command as root (sudo when we are not root).
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}

# Run a command as another system user (initdb refuses to run as root).
as_user() {
  local user=$1
  shift
  if [[ $(id -un) == "$user" ]]; then
    "$@"
  elif have runuser && [[ $(id -u) -eq 0 ]]; then
    runuser -u "$user" -- "$@"
  else
    sudo -n -u "$user" -- "$@"
  fi
}

# close_inherited_fds: closes every descriptor above stderr in the CURRENT shell, so call it first
# thing in a subshell or background job that starts a daemon. A daemon must not hold descriptors
# that bash keeps for its own redirections and pipes (nor may the shell that waits for it), or
# whoever reads our output through a pipe waits for as long as the daemon lives.
close_inherited_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

# tcp_open HOST PORT: true when something accepts TCP connections there (bash /dev/tcp, 2 s cap).
tcp_open() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# free_tcp_port [START]: first port >= START (default 15432) nobody listens on, on 127.0.0.1.
free_tcp_port() {
  local port=${1:-15432}
  while ((port < 65000)); do
    if ! tcp_open 127.0.0.1 "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
    port=$((port + 1))
  done
  return 1
}

# --- apt ------------------------------------------------------------------------------------------

deb_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

_SHOAL_APT_UPDATED=""
# apt_install PKG...: installs the given packages, running `apt-get update` at most once per shell.
apt_install() {
  (($# == 0)) && return 0
  have apt-get || die "apt-get not found; install manually: $*"
  export DEBIAN_FRONTEND=noninteractive
  if [[ -z "$_SHOAL_APT_UPDATED" ]]; then
    as_root apt-get update -qq
    _SHOAL_APT_UPDATED=1
  fi
  as_root apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "$@" </dev/null
}

# --- variables passed between steps ---------------------------------------------------------------

# shoal_export NAME VALUE: export in this shell and record it in $SHOAL_ENV_FILE (when set) so the
# caller of a step that ran in a subshell can pick it up.
shoal_export() {
  export "$1=$2"
  if [[ -n "${SHOAL_ENV_FILE:-}" ]]; then
    printf 'export %s=%q\n' "$1" "$2" >>"$SHOAL_ENV_FILE"
  fi
}

# step_note TEXT: a short note shown on the step's status line ("ok (0.1s) already running").
step_note() {
  if [[ -n "${SHOAL_STEP_NOTE_FILE:-}" ]]; then printf '%s' "$*" >"$SHOAL_STEP_NOTE_FILE"; fi
  log "$*"
}

# --- steps ----------------------------------------------------------------------------------------

SHOAL_STEP_LOG_DIR="${SHOAL_STEP_LOG_DIR:-${TMPDIR:-/tmp}/shoal-ci-logs}"

# run_step INDEX TOTAL TITLE FUNCTION [ARGS...]
# Runs FUNCTION in a subshell with `set -euo pipefail` in effect (a function called from `if` or
# `||` would silently lose errexit), output captured to $SHOAL_STEP_LOG_DIR/<index>.log unless
# SHOAL_VERBOSE=1, prints one status line, and imports the variables the step exported with
# shoal_export. On failure the log tail is printed and the step's exit code returned.
run_step() {
  local index=$1 total=$2 title=$3
  shift 3
  mkdir -p "$SHOAL_STEP_LOG_DIR"
  local logfile="$SHOAL_STEP_LOG_DIR/step-$index.log"
  local envfile notefile start rc note
  envfile="$(mktemp)"
  notefile="$(mktemp)"
  start="$(now)"
  printf '==> [%s/%s] %s ... ' "$index" "$total" "$title"
  [[ "${SHOAL_VERBOSE:-0}" == 1 ]] && printf '\n'
  set +e
  (
    set -euo pipefail
    export SHOAL_ENV_FILE="$envfile" SHOAL_STEP_NOTE_FILE="$notefile"
    if [[ "${SHOAL_VERBOSE:-0}" == 1 ]]; then
      "$@" 2>&1 | tee "$logfile"
    else
      "$@" >"$logfile" 2>&1 </dev/null
    fi
  )
  rc=$?
  set -e
  note="$(cat "$notefile")"
  # shellcheck disable=SC1090
  source "$envfile"
  rm -f "$envfile" "$notefile"
  if ((rc == 0)); then
    [[ "${SHOAL_VERBOSE:-0}" == 1 ]] && printf '==> [%s/%s] %s ... ' "$index" "$total" "$title"
    printf 'ok (%s)%s\n' "$(elapsed "$start")" "${note:+ - $note}"
  else
    printf 'FAILED (exit %s, %s)\n' "$rc" "$(elapsed "$start")"
    if [[ "${SHOAL_VERBOSE:-0}" != 1 ]]; then
      printf -- '---- last lines of %s ----\n' "$logfile"
      tail -n 80 "$logfile" | sed 's/^/    /'
      printf -- '----\n'
    fi
  fi
  return "$rc"
}

# run_step_background INDEX TOTAL TITLE FUNCTION [ARGS...]
# Starts run_step in the background, for a step that shares nothing with the ones run meanwhile
# (variables it exports with shoal_export stay in its subshell). Its status line is held back
# until wait_background_step prints it. One background step at a time.
run_step_background() {
  mkdir -p "$SHOAL_STEP_LOG_DIR"
  SHOAL_BACKGROUND_STATUS="$SHOAL_STEP_LOG_DIR/step-$1.status"
  printf '==> [%s/%s] %s ... started, in the background\n' "$1" "$2" "$3"
  run_step "$@" >"$SHOAL_BACKGROUND_STATUS" &
  SHOAL_BACKGROUND_PID=$!
}

# wait_background_step: waits for the step run_step_background started, prints its status line
# (and, on failure, its log's last lines) and returns its exit code.
wait_background_step() {
  local rc=0
  wait "$SHOAL_BACKGROUND_PID" || rc=$?
  cat "$SHOAL_BACKGROUND_STATUS"
  return "$rc"
}

# Run a script's main when the script is executed rather than sourced:
#   shoal_main_if_executed "${BASH_SOURCE[0]}" main_function "$@"
shoal_main_if_executed() {
  local src=$1 fn=$2
  shift 2
  if [[ "$src" == "$0" ]]; then
    set -euo pipefail
    "$fn" "$@"
  fi
}
