#!/usr/bin/env bash
# One command per benchmark:
#   scripts/bench.sh run     openwks vs the baseline server, every scenario, alternating
#   scripts/bench.sh scale   100,000 server groups: RSS and show/list latency next to an empty store
#   scripts/bench.sh launch  end-to-end launches (routing + durable sessions) vs the baseline
#   scripts/bench.sh replicas the scenarios on SQLite and on PostgreSQL replicas (needs PostgreSQL)
#   scripts/bench.sh storage storage folders: file listing and transfer vs the plain filesystem
#   scripts/bench.sh micro   criterion micro-benchmarks (signature verification, JSON)
# Extra arguments go to the command (e.g. `scripts/bench.sh run --scenarios show --duration 10`).
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-run}"; shift || true
case "$what" in
  run|scale|launch|replicas|storage)
    cargo build --release -p openwks -p openwks-bench
    exec target/release/openwks-bench "$what" "$@" ;;
  micro)
    cargo bench -p openwks-server --bench auth "$@"
    cargo bench -p openwks-api --bench json "$@"
    cargo bench -p openwks-sched --bench placement "$@"
    cargo bench -p openwks-core --bench routing "$@"
    cargo bench -p openwks-core --bench iam "$@" ;;
  *) echo "usage: $0 run|scale|launch|replicas|storage|micro [args]" >&2; exit 2 ;;
esac
