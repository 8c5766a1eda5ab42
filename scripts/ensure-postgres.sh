#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at 127.0.0.1:5432 with a database `test` that user
# `postgres` reaches with trust auth (what the PostgreSQL test pass uses).
#   scripts/ensure-postgres.sh            start an installed cluster that is down
#   scripts/ensure-postgres.sh --install  also install Debian's postgresql where it is missing
# Exits 0 when the server is ready, 1 when there is none to be had.
set -euo pipefail
install="${1:-}"
url_args=(-h 127.0.0.1 -p 5432 -U postgres)
ready() { pg_isready -h 127.0.0.1 -p 5432 -q >/dev/null 2>&1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sh -c "$1"; fi; }

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  if [ "$install" != "--install" ]; then
    exit 1
  fi
  echo "installing postgresql (Debian)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! ready; then
  cluster="$(pg_lsclusters -h | cut -d' ' -f1 | head -1)"
  if [ -z "$cluster" ]; then
    [ "$install" = "--install" ] || exit 1
    version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
    pg_createcluster "$version" main >/dev/null
    cluster="$version"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do
    ready && break
    sleep 1
  done
fi
ready || exit 1
# Trust auth on the loopback for the tests (a fresh Debian cluster asks for passwords).
if ! psql "${url_args[@]}" -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
  [ "$install" = "--install" ] || exit 1
  hba="$(as_postgres "psql -Atqc 'SHOW hba_file'")"
  sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  as_postgres "psql -qc 'SELECT pg_reload_conf()'" >/dev/null
  sleep 1
fi
if [ "$(psql "${url_args[@]}" -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'test'")" != 1 ]; then
  psql "${url_args[@]}" -d postgres -qc 'CREATE DATABASE test' >/dev/null
fi
psql "${url_args[@]}" -d test -Atqc 'SELECT 1' >/dev/null
