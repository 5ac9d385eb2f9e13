#!/usr/bin/env bash
# Dependency engine benchmark: database load, then parse + match of a generated monorepo of
# 1,000 lockfiles / 100,000 package entries (Cargo.lock, package-lock.json, requirements.txt,
# go.mod, poetry.lock) against the full database built from ../shared/data/osv.
# Usage: bench/deps.sh [--root DIR] [--db DIR] [--shared DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --release -p rampart-deps --example bench_deps -- "$@"
