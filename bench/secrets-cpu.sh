#!/usr/bin/env bash
# CPU time (user + sys) of secrets-engine builds against ripgrep on one corpus, interleaved
# (base, new, rg, base, new, rg, …) so that a busy machine's load falls on every tool alike;
# prints each run, the medians and the ratios to rg's median. For comparing two builds of the
# engine (or one) where `bench/secrets.sh`'s full release build is too slow to make.
#
#   bench/secrets-cpu.sh CORPUS RUNS LABEL=BINARY [LABEL=BINARY ...]
#   RAMPART_KEYWORD_PASS=even bench/secrets-cpu.sh /tmp/rampart-bench/corpus 5 \
#       base=/tmp/scan_json-main new=target/release/examples/scan_json
#
# Each BINARY is run as `BINARY CORPUS` with its output discarded: `examples/scan_json` of
# rampart-secrets (the secrets engine through the core's scan driver, what `rampart scan
# --engines secrets` runs), or a script wrapping `rampart scan`. `RAMPART_KEYWORD_PASS` (`even`:
# the AVX2 pass, `scalar`) is passed through, to measure a CPU's pass on a machine that has a
# faster one. ripgrep runs as in `bench/secrets.sh`: `rg -uu -F -c AKIA CORPUS`.
# Needs: rg, /usr/bin/time, python3.
set -euo pipefail
corpus=$1
runs=$2
shift 2
[ -d "$corpus" ] || { echo "secrets-cpu.sh: no corpus folder $corpus" >&2; exit 2; }
labels=() bins=()
for a in "$@"; do
  labels+=("${a%%=*}")
  bins+=("${a#*=}")
  [ -x "${a#*=}" ] || { echo "secrets-cpu.sh: ${a#*=} is not an executable" >&2; exit 2; }
done
labels+=(rg)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

cpu() { # command... → "cpu_s wall_s" (cpu = user + sys)
  local log; log=$(mktemp)
  /usr/bin/time -f '%U %S %e' "$@" >/dev/null 2>"$log" || true
  tail -1 "$log" | awk '{printf "%.2f %.2f\n", $1 + $2, $3}'
  rm -f "$log"
}

echo "corpus: $corpus ($(du -sm "$corpus" | cut -f1) MB, $(find "$corpus" -type f | wc -l) files)"
echo "keyword pass: ${RAMPART_KEYWORD_PASS:-default}; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
rg -uuu -c zzzzqqqq "$corpus" >/dev/null 2>&1 || true   # warm the page cache
for r in $(seq "$runs"); do
  for i in "${!bins[@]}"; do
    echo "${labels[$i]} $(cpu "${bins[$i]}" "$corpus")" | tee -a "$out"
  done
  echo "rg $(cpu rg -uu -F -c AKIA "$corpus")" | tee -a "$out"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "${labels[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
labels = sys.argv[2:]
med = {l: statistics.median(float(r[1]) for r in rows if r[0] == l) for l in labels}
print()
print(f"{'tool':<12}{'CPU s (user + sys), each run':<48}{'median':>8}{'/ rg':>8}")
for l in labels:
    runs = " ".join(f"{float(r[1]):.2f}" for r in rows if r[0] == l)
    print(f"{l:<12}{runs:<48}{med[l]:>8.2f}{med[l] / med['rg']:>7.2f}x")
PY
