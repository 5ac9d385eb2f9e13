#!/usr/bin/env bash
# Deployment monitoring benchmark (issue #15): N deployed SBOMs of 300 packages each (real
# package names and versions from the advisories in ../shared/data/osv: crates.io, Go, PyPI),
# bulk-inserted; then a vulnerability-database update in which the 300 most recently modified
# advisories are new and the next 200 changed; timed: the update (read the mirror folder,
# build, diff) and the re-match (components of the touched packages read through the
# (ecosystem, name) index, matched, findings and outbox events written in one transaction).
# Goal: 10,000 deployments re-matched in under 60 s.
#
# bench/monitor.sh [N…]        (default 1000 5000 10000), SQLite then PostgreSQL
# BACKENDS=sqlite|postgres     only one; PG_URL (default postgres://postgres@127.0.0.1:5432/test)
# Do not run it while something else compiles: the machine has two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${RAMPART_DATA:-$(cd .. && pwd)/shared/data}
[ -d "$data/osv" ] || data=/work/shared/data
[ -d "$data/osv" ] || { echo "needs the advisory data (../shared/data/osv, see its README)"; exit 1; }
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
backends=${BACKENDS:-sqlite postgres}
cargo build --release -q -p rampart-server --example monitor_bench
bin=${CARGO_TARGET_DIR:-target}/release/examples/monitor_bench
echo "monitor bench: $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), data $data"
for b in $backends; do
  echo "## $b"
  if [ "$b" = postgres ]; then "$bin" "$data" "$pg" "$@"; else "$bin" "$data" "$@"; fi
done
