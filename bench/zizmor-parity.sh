#!/usr/bin/env bash
# zizmor parity on real workflows: the GitHub Actions workflows that the crates of this
# repository's Cargo.lock ship (unpacked by cargo under ~/.cargo/registry/src), audited by zizmor
# (offline, both personas) and by rampart's iac engine; prints, per zizmor audit class, how many
# (file, line) places each tool reports and how many both report.
#
# Usage: bench/zizmor-parity.sh [RAMPART_BINARY]   (default: target/release/rampart)
# Needs: zizmor (`pip install zizmor`), `cargo fetch` done (the crates unpacked).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/rampart}")
corpus="${CORPUS:-/tmp/rampart-zizmor-corpus}"
rm -rf "$corpus" && mkdir -p "$corpus"
cargo fetch --locked -q
src=$(ls -d "$HOME"/.cargo/registry/src/*/ | head -1)
(cd "$src" && find . -path '*/.github/workflows/*' \( -name '*.yml' -o -name '*.yaml' \)) |
  while read -r f; do mkdir -p "$corpus/$(dirname "$f")"; cp "$src/$f" "$corpus/$f"; done
echo "corpus: $(find "$corpus" -type f | wc -l) workflows from $(ls "$corpus" | wc -l) crates; $(zizmor --version)"
(cd "$corpus" && zizmor --offline --persona auditor --format json . >/tmp/zizmor-auditor.json 2>/dev/null) || true
(cd "$corpus" && zizmor --offline --format json . >/tmp/zizmor-regular.json 2>/dev/null) || true
(cd "$corpus" && "$bin" scan . --engines iac --format json --fail-on never >/tmp/rampart-iac.json)
echo; echo "## zizmor --persona auditor (every finding zizmor can make)"
python3 bench/zizmor_parity.py /tmp/zizmor-auditor.json /tmp/rampart-iac.json
echo; echo "## zizmor default persona"
python3 bench/zizmor_parity.py /tmp/zizmor-regular.json /tmp/rampart-iac.json
