#!/usr/bin/env bash
# rampart's SAST engine vs Semgrep on real code: the Flask and Django sdists and a few dozen
# popular npm packages. Prints a table: files, wall time, files/s, peak RSS, and the speed ratio.
#
# Needs: cargo, pip, npm, /usr/bin/time (GNU). Semgrep is installed with pip when missing.
# Semgrep runs the same rules: ours are Semgrep syntax; the copy given to Semgrep drops our
# `examples:` key and also lists `typescript` for the JavaScript rules (rampart applies them to
# .ts/.tsx by itself). Both tools get the same files: minified files are removed from the
# corpus, Semgrep's default ignore list is replaced by an empty .semgrepignore, and both skip
# files over 2 MB.
#
# CORPUS=go measures Go instead: the standard library sources of Debian's newest golang-*-src
# package (/usr/share/go-*/src; installed with apt-get when missing), copied to the work folder.
#
# Environment: BENCH_DIR (work folder, default /tmp/rampart-sast-bench), JOBS (default 2),
# RAMPART (a prebuilt binary; otherwise it is built), NPM_PACKAGES (override the list),
# REUSE_SEMGREP=1 (keep the last Semgrep measurement).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/rampart-sast-bench}"
jobs="${JOBS:-2}"
mkdir -p "$work/rules"
command -v semgrep >/dev/null || pip install --quiet semgrep
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }

if [ "${CORPUS:-}" = go ]; then
  work="$work/go"
  mkdir -p "$work/rules"
  gosrc=$(ls -d /usr/share/go-*/src 2>/dev/null | sort -V | tail -1)
  if [ -z "$gosrc" ]; then
    pkg=$(apt-cache search --names-only '^golang-1\.[0-9]+-src$' | awk '{print $1}' | sort -V | tail -1)
    apt-get install -y "$pkg" >/dev/null
    gosrc=$(ls -d /usr/share/go-*/src | sort -V | tail -1)
  fi
  [ -d "$work/corpus" ] || cp -rL "$gosrc" "$work/corpus"
else
mkdir -p "$work/corpus/py" "$work/corpus/js"

packages="${NPM_PACKAGES:-express koa lodash axios moment body-parser ejs mongoose sequelize next react
react-dom vue jquery underscore async request commander chalk debug yargs webpack typescript eslint
prettier socket.io ws jsonwebtoken passport helmet cors morgan multer nodemailer pg mysql2 redis
ioredis knex typeorm dayjs uuid rxjs immer redux mobx graphql apollo-server-core}"

cd "$work/corpus/py"
if [ -z "$(ls -d */ 2>/dev/null)" ]; then
  pip download --quiet --no-binary :all: --no-deps flask django
  for f in *.tar.gz; do tar xzf "$f"; done
  rm -f ./*.tar.gz
fi
cd "$work/corpus/js"
for p in $packages; do
  [ -d "$p" ] && continue
  if npm pack --silent "$p" >/dev/null 2>&1; then
    tar xzf ./*.tgz && mv package "$p"
  fi
  rm -f ./*.tgz
done
fi
find "$work/corpus" -name '*.min.js' -delete
: > "$work/corpus/.semgrepignore"

python3 - "$here/crates/rampart-sast/rules" "$work/rules" <<'PY'
import os, re, sys
src, dst = sys.argv[1:]
only = os.environ.get("CORPUS") == "go" and ["go"]  # the Go corpus gets the Go rules only
for lang in only or os.listdir(src):
    for f in os.listdir(os.path.join(src, lang)):
        text = open(os.path.join(src, lang, f)).read()
        text = re.sub(r"\n    examples:\n(.|\n)*", "\n", text)
        text = text.replace("languages: [javascript]", "languages: [javascript, typescript]")
        open(os.path.join(dst, f), "w").write(text)
PY

if [ -n "${RAMPART:-}" ]; then
  rampart="$RAMPART"
else
  (cd "$here" && cargo build --quiet --release -p rampart)
  rampart="${CARGO_TARGET_DIR:-$here/target}/release/rampart"
fi

measure() { # name, json output file, command...
  local name=$1 out=$2; shift 2
  /usr/bin/time -v "$@" >"$out" 2>"$work/$name.time" || true
  local wall mem user sys
  wall=$(grep 'Elapsed (wall clock)' "$work/$name.time" | awk '{print $NF}' |
    awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  mem=$(grep 'Maximum resident' "$work/$name.time" | awk '{print $NF}')
  user=$(grep 'User time' "$work/$name.time" | awk '{print $NF}')
  sys=$(grep 'System time' "$work/$name.time" | awk '{print $NF}')
  echo "$wall $mem $user $sys" >"$work/$name.m"
}

cd "$work/corpus"
measure rampart "$work/rampart.json" "$rampart" scan . --engines sast --format json \
  --fail-on never --max-file-size 2MB
export SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off
# REUSE_SEMGREP=1 keeps the previous Semgrep measurement (it takes long; rampart is re-measured).
[ "${REUSE_SEMGREP:-0}" = 1 ] && [ -s "$work/semgrep.m" ] && [ -s "$work/semgrep.json" ] ||
measure semgrep "$work/semgrep.json" semgrep scan --disable-version-check --config "$work/rules" --json --metrics=off \
  --jobs "$jobs" --timeout 30 --max-target-bytes 2000000 --no-git-ignore .

python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
def load(name):
    wall, mem, user, sys_ = open(f"{work}/{name}.m").read().split()
    return float(wall), int(mem) / 1024, float(user) + float(sys_)
r = json.load(open(f"{work}/rampart.json"))
s = json.load(open(f"{work}/semgrep.json"))
rf = r["stats"]["files_scanned"]
sf = len(s.get("paths", {}).get("scanned", []))
(rw, rm, rc), (sw, sm, sc) = load("rampart"), load("semgrep")
mb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(f"{work}/corpus") for f in fs) / 2**20
print(f"corpus: {work}/corpus, {mb:.0f} MiB (rampart analysed {rf} files, semgrep {sf})")
print(f"{'tool':<10}{'files':>8}{'wall s':>10}{'files/s':>10}{'CPU s':>10}{'peak MiB':>10}{'findings':>10}")
print(f"{'rampart':<10}{rf:>8}{rw:>10.2f}{rf / rw:>10.1f}{rc:>10.2f}{rm:>10.0f}{len(r['findings']):>10}")
print(f"{'semgrep':<10}{sf:>8}{sw:>10.2f}{sf / sw:>10.1f}{sc:>10.2f}{sm:>10.0f}{len(s['results']):>10}")
print(f"ratio semgrep/rampart: wall {sw / rw:.1f}x, files/s {(rf / rw) / (sf / sw):.1f}x, CPU {sc / rc:.1f}x")
print(f"load average during the run (2 cores): {open('/proc/loadavg').read().split()[0]}")
PY
