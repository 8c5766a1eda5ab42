#!/usr/bin/env bash
# Runs every test of openwks: format and lint checks, the layering check, the Rust suites
# (unit, in-process HTTP, spawned binary incl. kill -9) and the official-SDK suite (pytest),
# first on the embedded SQLite store, then all of them again on PostgreSQL (127.0.0.1:5432,
# database `test`, trust auth; each test in a schema of its own). Installs what it needs
# itself (a Python venv for the SDK suite; Debian's postgresql when OPENWKS_REQUIRE_POSTGRES=1,
# as .ci/run sets it). Without a reachable PostgreSQL the second pass is skipped, and says so.
set -euo pipefail
cd "$(dirname "$0")"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== layering: openwks-core must not depend on the HTTP stack or a database"
if cargo tree -p openwks-core -e normal --prefix none | grep -E '^(axum|hyper|rusqlite|postgres|tokio-postgres|sqlx) '; then
  echo "openwks-core depends on a forbidden crate" >&2
  exit 1
fi

echo "== module circles: no crate's modules import each other in a circle"
python3 scripts/module-cycles.py

echo "== cargo test (SQLite)"
cargo test --workspace

echo "== SDK conformance suite (official huaweicloudsdk* packages) (SQLite)"
cargo build -p openwks
bin="${CARGO_TARGET_DIR:-$PWD/target}/debug/openwks"
OPENWKS_BIN="$bin" tests/sdk/run.sh

echo "== PostgreSQL pass"
pg_url="postgres://postgres@127.0.0.1:5432/test"
if [ "${OPENWKS_REQUIRE_POSTGRES:-0}" = 1 ]; then
  scripts/ensure-postgres.sh --install
elif ! scripts/ensure-postgres.sh; then
  echo "PostgreSQL pass SKIPPED: no PostgreSQL at 127.0.0.1:5432 (database test, trust auth);"
  echo "run scripts/ensure-postgres.sh --install, or set OPENWKS_REQUIRE_POSTGRES=1"
  exit 0
fi
run="r$$"
drop_schemas() {
  psql -h 127.0.0.1 -U postgres -d test -Atqc \
    "SELECT format('DROP SCHEMA %I CASCADE;', nspname) FROM pg_namespace WHERE nspname LIKE 't\\_${run}\\_%'" \
    | psql -h 127.0.0.1 -U postgres -d test -q >/dev/null 2>&1 || true
}
trap drop_schemas EXIT
export OPENWKS_TEST_DATABASE_URL="$pg_url" OPENWKS_TEST_RUN="$run"

echo "== cargo test (PostgreSQL)"
cargo test --workspace

echo "== SDK conformance suite (PostgreSQL)"
OPENWKS_BIN="$bin" tests/sdk/run.sh
