#!/usr/bin/env bash
# pnpm at the version package.json pins, and the workspace's dependencies from the lockfile.
#
#   infra/scripts/node-deps.sh

# shellcheck source=infra/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PNPM_VERSION="$(sed -nE 's/.*"packageManager": *"pnpm@([^"+]+).*/\1/p' "$SHOAL_REPO_ROOT/package.json")"
PNPM_VERSION="${PNPM_VERSION:-12.4.2}"

# npm's global bin may not be on PATH on a fresh machine.
if have npm; then
  npm_bin="$(npm prefix -g 2>/dev/null)/bin"
  [[ ":$PATH:" == *":$npm_bin:"* ]] || export PATH="$PATH:$npm_bin"
fi

pnpm_ensure() {
  local v
  v="$(pnpm --version 2>/dev/null || true)"
  if [[ "$v" == "$PNPM_VERSION" ]]; then
    step_note "pnpm $v present"
    return 0
  fi
  log "pnpm ${v:-missing}, want $PNPM_VERSION"
  npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION"
  hash -r
  v="$(pnpm --version)"
  [[ "$v" == "$PNPM_VERSION" ]] || die "pnpm --version is $v after install (PATH=$PATH)"
  step_note "installed pnpm $v"
}

pnpm_deps() {
  # Native addons (better-sqlite3) cannot download prebuilt binaries here: they compile against
  # the headers of the installed Node.
  (cd "$SHOAL_REPO_ROOT" && npm_config_nodedir="${npm_config_nodedir:-/usr}" CFLAGS="$(native_cflags)" \
    pnpm install --frozen-lockfile)
  cli_bundle
}

# C compiler flags for the native addons' own C sources, i.e. SQLite's amalgamation inside
# better-sqlite3, which the agent's local store runs on. node-gyp builds it at -O3, and that one
# file was nearly the whole of a cold install: 107 s of the 113 s `pnpm install` took on a fresh
# 2-core machine. At -O1 it compiles in about half the time, and the agent's kind of transaction
# (an insert, an update, an outbox row and a lookup, WAL) took 159-171 us against 165-168 us at
# -O3 (-O0: 39 s, but 200 us). Flags already set in CFLAGS come after ours, so they win.
native_cflags() {
  echo "-O1${CFLAGS:+ $CFLAGS}"
}

# `./shoal` runs built JavaScript (apps/cli/bundle) instead of the TypeScript sources through tsx:
# a client command then starts in a fraction of the time. A few seconds; rebuilt on every setup.
cli_bundle() {
  (cd "$SHOAL_REPO_ROOT" && node apps/cli/scripts/bundle.mjs)
}

node_deps_main() {
  pnpm_ensure
  pnpm_deps
}

shoal_main_if_executed "${BASH_SOURCE[0]}" node_deps_main "$@"
