#!/usr/bin/env bash
# Dependency engine benchmarks (release build).
#
#   bench/deps.sh [--root DIR] [--db DIR] [--shared DIR]
#       database load, then parse + match of a generated monorepo of 1,000 lockfiles / 100,000
#       package entries (Cargo.lock, package-lock.json, requirements.txt, go.mod, poetry.lock)
#       against the full database built from ../shared/data/osv.
#   bench/deps.sh hostile [--only lockfiles|zip]
#       hostile inputs generated on the spot: a 10 MB Pipfile.lock of 82,000 packages and a
#       package-lock.json of 200,000 whose keys are out of sorted order (time to parse and
#       locate every package), and `db update` of an export zip holding a 2 GiB entry (a few MB
#       compressed): time and peak resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "hostile" ]]; then
    shift
    exec cargo run --quiet --release -p rampart-deps --example bench_hostile -- "$@"
fi
exec cargo run --quiet --release -p rampart-deps --example bench_deps -- "$@"
