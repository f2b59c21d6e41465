#!/usr/bin/env bash
# Find a Postgres the tests can use, or start a throwaway one, and export DATABASE_URL.
#
# Order: $DATABASE_URL if it works; a server on 127.0.0.1:5432 (users postgres/root, databases
# postgres/test, no password); a throwaway cluster this script started before; else a new
# throwaway cluster (initdb + pg_ctl as the `postgres` user, trust auth, 127.0.0.1 only, a free
# port, data in $SHOAL_PG_DIR) with a database `shoal`.
# "Works" means psql can connect and the user may CREATE DATABASE (tests create their own).
#
#   infra/scripts/postgres.sh          # ensure; prints `export DATABASE_URL=...`
#   infra/scripts/postgres.sh --stop   # stop the throwaway cluster (if any) and delete its data

# shellcheck source=infra/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN_DIR="${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}"
SHOAL_PG_DIR="${SHOAL_PG_DIR:-${TMPDIR:-/tmp}/shoal-pg}"
SHOAL_PG_DB="${SHOAL_PG_DB:-shoal}"

# pg_url_usable URL: psql connects (never prompts for a password) and may create databases.
pg_url_usable() {
  local out
  out="$(PGCONNECT_TIMEOUT=5 psql -X -w -q -tA -d "$1" \
    -c 'select rolcreatedb or rolsuper from pg_roles where rolname = current_user' 2>/dev/null)" || return 1
  [[ "$out" == t ]]
}

# Run a Postgres server binary: as `postgres` when we are root (initdb refuses root), else as us.
pg_run() {
  if [[ $(id -u) -eq 0 ]]; then as_user postgres "$@"; else "$@"; fi
}

pg_throwaway_port() { cat "$SHOAL_PG_DIR/port" 2>/dev/null; }

pg_throwaway_url() {
  local port
  port="$(pg_throwaway_port)" || return 1
  printf 'postgres://postgres@127.0.0.1:%s/%s\n' "$port" "$SHOAL_PG_DB"
}

# postgres_find_url: prints the first usable URL, starts nothing.
postgres_find_url() {
  local candidates=() url
  [[ -n "${DATABASE_URL:-}" ]] && candidates+=("$DATABASE_URL")
  if { have pg_isready && pg_isready -q -h 127.0.0.1 -p 5432 -t 3; } || tcp_open 127.0.0.1 5432; then
    candidates+=(
      postgres://postgres@127.0.0.1:5432/postgres
      postgres://postgres@127.0.0.1:5432/test
      postgres://root@127.0.0.1:5432/test
      postgres://root@127.0.0.1:5432/postgres
    )
  fi
  if url="$(pg_throwaway_url)"; then candidates+=("$url"); fi
  for url in "${candidates[@]}"; do
    if pg_url_usable "$url"; then
      printf '%s\n' "$url"
      return 0
    fi
  done
  return 1
}

postgres_start_throwaway() {
  [[ -x "$PG_BIN_DIR/initdb" ]] || die "$PG_BIN_DIR/initdb not found (apt-get install postgresql)"
  local data="$SHOAL_PG_DIR/data" port
  if [[ $(id -u) -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
  fi
  mkdir -p "$SHOAL_PG_DIR"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$SHOAL_PG_DIR"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    rm -rf "$data"
    log "initdb $data"
    pg_run "$PG_BIN_DIR/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
  fi
  if pg_run "$PG_BIN_DIR/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    port="$(pg_throwaway_port)"
    log "throwaway cluster already running on port $port"
  else
    port="$(free_tcp_port 15432)" || die "no free TCP port for postgres"
    pg_run sh -c "echo $port > '$SHOAL_PG_DIR/port'"
    log "starting throwaway cluster on 127.0.0.1:$port"
    # The postmaster outlives this script: it must not inherit our pipes.
    (close_inherited_fds && pg_run "$PG_BIN_DIR/pg_ctl" -D "$data" -l "$SHOAL_PG_DIR/postgres.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $SHOAL_PG_DIR -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start) >/dev/null || {
      tail -n 40 "$SHOAL_PG_DIR/postgres.log" >&2
      die "pg_ctl start failed"
    }
  fi
  local admin="postgres://postgres@127.0.0.1:$port/postgres"
  if [[ "$(psql -X -w -q -tA -d "$admin" -c "select 1 from pg_database where datname = '$SHOAL_PG_DB'")" != 1 ]]; then
    psql -X -w -q -d "$admin" -c "create database \"$SHOAL_PG_DB\""
  fi
}

postgres_stop_throwaway() {
  local data="$SHOAL_PG_DIR/data"
  if [[ -f "$data/PG_VERSION" ]]; then
    pg_run "$PG_BIN_DIR/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$SHOAL_PG_DIR"
}

# Masks a password in a URL for display.
pg_redact() { sed -E 's#(://[^:/@]+:)[^@]*@#\1***@#' <<<"$1"; }

postgres_ensure() {
  have psql || die "psql not found (apt-get install postgresql-client)"
  local url how
  if url="$(postgres_find_url)"; then
    how="existing server"
  else
    log "no usable Postgres found; starting a throwaway cluster"
    postgres_start_throwaway
    url="$(pg_throwaway_url)"
    how="throwaway cluster"
  fi
  pg_url_usable "$url" || die "cannot use $(pg_redact "$url") (psql connect + CREATE DATABASE privilege)"
  shoal_export DATABASE_URL "$url"
  step_note "$how, DATABASE_URL=$(pg_redact "$url")"
}

postgres_main() {
  if [[ "${1:-}" == --stop ]]; then
    postgres_stop_throwaway
    return 0
  fi
  postgres_ensure >&2
  printf 'export DATABASE_URL=%q\n' "$DATABASE_URL"
}

shoal_main_if_executed "${BASH_SOURCE[0]}" postgres_main "$@"
