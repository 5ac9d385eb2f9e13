#!/usr/bin/env bash
# Language server figures (docs/lsp.md, bench/RESULTS-lsp.md):
# - diagnostics latency of a 2,000-line Python document after a one-character change (debounce 0);
# - the workspace scan at start of a large tree and the server's peak RSS, against
#   `rampart scan` of the same tree.
# Usage: bench/lsp.sh [WORKSPACE] (default: a copy of the cargo registry's sources, ~280 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rampart/lsp-target}"
cargo build --release --locked -p rampart --bin rampart -p rampart-lsp --example lsp_bench
bin="$CARGO_TARGET_DIR/release/rampart"
bench="$CARGO_TARGET_DIR/release/examples/lsp_bench"

work="${1:-}"
if [ -z "$work" ]; then
  work="$(mktemp -d)/tree"
  cp -r "$HOME/.cargo/registry/src" "$work"
  trap 'rm -rf "$(dirname "$work")"' EXIT
fi
# No vulnerability database needed for these figures (the deps engine still parses lockfiles).
export RAMPART_DB="${RAMPART_DB:-$work/.no-db}"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tree: $work ($(du -sh "$work" | cut -f1), $(find "$work" -type f | wc -l) files)"
# The page cache warm for both.
"$bin" scan "$work" --quiet --format json --fail-on never >/dev/null || true
/usr/bin/time -f "rampart scan: %e s wall, peak RSS %M KiB" \
  "$bin" scan "$work" --quiet --format json --fail-on never >/dev/null
"$bench" "$bin" "$work" 30
rm -f "$work/rampart_lsp_bench_doc.py"
