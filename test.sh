#!/usr/bin/env bash
# Runs every test of openwks: format and lint checks, the layering check, the Rust suites
# (unit, in-process HTTP, spawned binary incl. kill -9), and the official-SDK suite (pytest).
# Installs what it needs itself (a Python venv for the SDK suite).
set -euo pipefail
cd "$(dirname "$0")"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== layering: openwks-core must not depend on the HTTP stack or a database"
if cargo tree -p openwks-core -e normal --prefix none | grep -E '^(axum|hyper|rusqlite|tokio-postgres|sqlx) '; then
  echo "openwks-core depends on a forbidden crate" >&2
  exit 1
fi

echo "== cargo test"
cargo test --workspace

echo "== SDK conformance suite (official huaweicloudsdk* packages)"
cargo build -p openwks
OPENWKS_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/openwks" tests/sdk/run.sh
