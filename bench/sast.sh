#!/usr/bin/env bash
# rampart's SAST engine vs Semgrep on real code: Flask and Django sdists, and npm packages.
# Prints files/s, wall time, peak memory (/usr/bin/time -v) and the speed ratio.
# Needs: cargo, pip, npm, /usr/bin/time. Semgrep is installed with pip when missing.
# Semgrep runs equivalent taint/structural rules: our own rule files, which are Semgrep syntax
# (the `examples:` key is stripped first).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/rampart-sast-bench}"
mkdir -p "$work/corpus" "$work/rules"
command -v semgrep >/dev/null || pip install --quiet semgrep
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null

cd "$work/corpus"
if [ ! -d py ]; then
  mkdir -p py && (cd py && pip download --quiet --no-binary :all: --no-deps flask django \
    && for f in *.tar.gz; do tar xzf "$f"; done && rm -f *.tar.gz)
fi
if [ ! -d js ]; then
  mkdir -p js && (cd js && for p in express koa lodash axios moment body-parser ejs mongoose sequelize next; do
    npm pack --silent "$p" >/dev/null 2>&1 && tar xzf ./*.tgz && mv package "$p" && rm -f ./*.tgz; done)
fi

python3 - "$here/crates/rampart-sast/rules" "$work/rules" <<'PY'
import os, re, sys
src, dst = sys.argv[1:]
for lang in os.listdir(src):
    for f in os.listdir(os.path.join(src, lang)):
        text = open(os.path.join(src, lang, f)).read()
        text = re.sub(r"\n    examples:\n(.|\n)*", "\n", text)
        open(os.path.join(dst, f), "w").write(text)
PY

(cd "$here" && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}" cargo build --release -p rampart >/dev/null)
rampart="${CARGO_TARGET_DIR:-$here/target}/release/rampart"
files=$(find "$work/corpus" -type f \( -name '*.py' -o -name '*.js' -o -name '*.ts' -o -name '*.jsx' -o -name '*.tsx' -o -name '*.mjs' -o -name '*.cjs' \) | wc -l)

measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$work/$name.time" || true
  local wall mem
  wall=$(grep 'Elapsed (wall clock)' "$work/$name.time" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  mem=$(grep 'Maximum resident' "$work/$name.time" | awk '{print $NF}')
  printf '%-8s files=%d wall=%.2fs files/s=%.0f peak=%.0fMiB\n' "$name" "$files" "$wall" "$(echo "$files / $wall" | bc -l)" "$(echo "$mem / 1024" | bc -l)"
  echo "$wall" > "$work/$name.wall"
}

measure rampart "$rampart" scan "$work/corpus" --engines sast --format json --fail-on never
measure semgrep semgrep scan --config "$work/rules" --json --metrics=off --jobs 2 --timeout 30 "$work/corpus"
printf 'ratio (semgrep wall / rampart wall): %.1fx\n' "$(echo "$(cat "$work/semgrep.wall") / $(cat "$work/rampart.wall")" | bc -l)"
