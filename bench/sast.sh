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
# GO_DIRS (space-separated folders of that tree, e.g. "net crypto") restricts it.
#
# Environment: BENCH_DIR (work folder, default /tmp/rampart-sast-bench), JOBS (default 2),
# RAMPART (a prebuilt binary; otherwise it is built), NPM_PACKAGES (override the list),
# REUSE_SEMGREP=1 (keep the last Semgrep measurement), ONLY=semgrep or ONLY=rampart (measure one
# tool; the table is printed when both have been measured).
#
# CORPUS=mixed scans the Java, Go and pyjs corpora together (hard-linked into one tree, ~770 MB),
# for rampart's peak memory on a large tree of every language (use ONLY=rampart: Semgrep would take
# hours). ASSEMBLE_ONLY=1 only downloads and unpacks the corpus.
#
# CORPUS=java measures Java instead: the JDK's own sources (Debian's openjdk-17-source,
# /usr/lib/jvm/openjdk-17/lib/src.zip, or JAVA_SRC_ZIP) with the Java rules. JAVA_MODULES
# (space-separated module folders of the zip, e.g. "java.sql java.net.http") restricts the tree;
# the default is all of it (15,143 files, 228 MiB: Semgrep takes hours there).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/rampart-sast-bench}"
jobs="${JOBS:-2}"
kind="${CORPUS:-pyjs}"
command -v semgrep >/dev/null || pip install --quiet semgrep
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
if [ "$kind" = java ]; then
  src_zip="${JAVA_SRC_ZIP:-/usr/lib/jvm/openjdk-17/lib/src.zip}"
  [ -f "$src_zip" ] || { echo "needs $src_zip: apt-get install -y openjdk-17-source" >&2; exit 1; }
  all="$work/corpus-java"
  [ -d "$all/java.base" ] || { mkdir -p "$all"; unzip -q -o "$src_zip" -d "$all"; }
  if [ -n "${JAVA_MODULES:-}" ]; then
    corpus="$work/corpus-java-subset"
    rm -rf "$corpus" && mkdir -p "$corpus"
    for m in $JAVA_MODULES; do cp -r "$all/$m" "$corpus/"; done
  else
    corpus="$all"
  fi
  langs="java"
elif [ "$kind" = mixed ]; then
  # The three corpora together (hard links), for rampart's memory on a large tree of all languages.
  corpus="$work/corpus-mixed"
  if [ ! -d "$corpus/java" ]; then
    for k in java go pyjs; do CORPUS=$k ASSEMBLE_ONLY=1 JAVA_MODULES= GO_DIRS= "$0"; done
    mkdir -p "$corpus"
    cp -al "$work/corpus-java" "$corpus/java"
    cp -al "$work/corpus-go" "$corpus/go"
    cp -al "$work/corpus" "$corpus/pyjs"
  fi
  langs="java go python javascript"
elif [ "$kind" = go ]; then
  corpus="$work/corpus-go"
  gosrc=$(ls -d /usr/share/go-*/src 2>/dev/null | sort -V | tail -1)
  if [ -z "$gosrc" ]; then
    pkg=$(apt-cache search --names-only '^golang-1\.[0-9]+-src$' | awk '{print $1}' | sort -V | tail -1)
    apt-get install -y "$pkg" >/dev/null
    gosrc=$(ls -d /usr/share/go-*/src | sort -V | tail -1)
  fi
  [ -d "$corpus" ] || cp -rL "$gosrc" "$corpus"
  if [ -n "${GO_DIRS:-}" ]; then
    all="$corpus"
    corpus="$work/corpus-go-subset"
    rm -rf "$corpus" && mkdir -p "$corpus"
    for d in $GO_DIRS; do mkdir -p "$corpus/$(dirname "$d")"; cp -r "$all/$d" "$corpus/$d"; done
  fi
  langs="go"
else
  kind=pyjs
  corpus="$work/corpus"
  langs="python javascript"
  mkdir -p "$corpus/py" "$corpus/js"
  packages="${NPM_PACKAGES:-express koa lodash axios moment body-parser ejs mongoose sequelize next react
react-dom vue jquery underscore async request commander chalk debug yargs webpack typescript eslint
prettier socket.io ws jsonwebtoken passport helmet cors morgan multer nodemailer pg mysql2 redis
ioredis knex typeorm dayjs uuid rxjs immer redux mobx graphql apollo-server-core}"
  cd "$corpus/py"
  if [ -z "$(ls -d */ 2>/dev/null)" ]; then
    pip download --quiet --no-binary :all: --no-deps flask django
    for f in *.tar.gz; do tar xzf "$f"; done
    rm -f ./*.tar.gz
  fi
  cd "$corpus/js"
  for p in $packages; do
    [ -d "$p" ] && continue
    if npm pack --silent "$p" >/dev/null 2>&1; then
      tar xzf ./*.tgz && mv package "$p"
    fi
    rm -f ./*.tgz
  done
  find "$corpus" -name '*.min.js' -delete
fi
[ "${ASSEMBLE_ONLY:-0}" = 1 ] && exit 0
tag="$kind"
[ -n "${JAVA_MODULES:-}${GO_DIRS:-}" ] && tag="$kind-subset"
rules="$work/rules-$kind"
rm -rf "$rules" && mkdir -p "$rules"
: > "$corpus/.semgrepignore"

python3 - "$here/crates/rampart-sast/rules" "$rules" $langs <<'PY'
# Semgrep gets our rules without the rampart-only keys (`examples`, and `why`/`fix` in metadata;
# a source's `profile`: sources of another profile than the default `web` are dropped, as rampart
# does not use them by default; a sanitizer's `guard`, kept as a plain sanitizer).
import os, sys, yaml
src, dst, *langs = sys.argv[1:]
def strip_profiles(items):
    out = []
    for item in items:
        if isinstance(item, dict):
            if item.get("profile", "web") not in ("web", "all"):
                continue
            item.pop("profile", None)
            item.pop("guard", None)
            if "pattern-either" in item:
                item["pattern-either"] = strip_profiles(item["pattern-either"])
        out.append(item)
    return out
for lang in langs:
    for f in sorted(os.listdir(os.path.join(src, lang))):
        doc = yaml.safe_load(open(os.path.join(src, lang, f)))
        for rule in doc["rules"]:
            rule.pop("examples", None)
            for key in ("why", "fix"):
                rule.get("metadata", {}).pop(key, None)
            for key in ("pattern-sources", "pattern-sanitizers"):
                if key in rule:
                    rule[key] = strip_profiles(rule[key])
            if rule["languages"] == ["javascript"]:
                rule["languages"] = ["javascript", "typescript"]
        yaml.safe_dump(doc, open(os.path.join(dst, f), "w"), sort_keys=False, width=1000)
PY
if [ "${ONLY:-}" = semgrep ]; then
  rampart=:
elif [ -n "${RAMPART:-}" ]; then
  rampart="$RAMPART"
else
  (cd "$here" && cargo build --quiet --release -p rampart)
  rampart="${CARGO_TARGET_DIR:-$here/target}/release/rampart"
fi

measure() { # name, json output file, command...
  local name=$1 out=$2; shift 2
  cut -d' ' -f1-3 /proc/loadavg >"$work/$name.load"
  /usr/bin/time -v "$@" >"$out" 2>"$work/$name.time" || true
  local wall mem user sys
  wall=$(grep 'Elapsed (wall clock)' "$work/$name.time" | awk '{print $NF}' |
    awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  mem=$(grep 'Maximum resident' "$work/$name.time" | awk '{print $NF}')
  user=$(grep 'User time' "$work/$name.time" | awk '{print $NF}')
  sys=$(grep 'System time' "$work/$name.time" | awk '{print $NF}')
  echo "$wall $mem $user $sys" >"$work/$name.m"
  cut -d' ' -f1-3 /proc/loadavg >>"$work/$name.load"
}

cd "$corpus"
[ "${ONLY:-}" = semgrep ] ||
measure "rampart-$tag" "$work/rampart-$tag.json" "$rampart" scan . --engines sast --format json \
  --fail-on never --max-file-size 2MB
export SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off
# REUSE_SEMGREP=1 keeps the previous Semgrep measurement (it takes long; rampart is re-measured).
[ "${ONLY:-}" = rampart ] || { [ "${REUSE_SEMGREP:-0}" = 1 ] && [ -s "$work/semgrep-$tag.m" ] && [ -s "$work/semgrep-$tag.json" ] ||
measure "semgrep-$tag" "$work/semgrep-$tag.json" semgrep scan --disable-version-check --config "$rules" --json --metrics=off \
  --jobs "$jobs" --timeout 30 --max-target-bytes 2000000 --no-git-ignore . ; }
[ -s "$work/rampart-$tag.m" ] && [ -s "$work/semgrep-$tag.m" ] || { echo "measured ${ONLY:-}; the table needs both" >&2; exit 0; }

python3 - "$work" "$tag" "$corpus" <<'PY'
import json, os, sys
work, tag, corpus = sys.argv[1:]
def load(name):
    wall, mem, user, sys_ = open(f"{work}/{name}.m").read().split()
    return float(wall), int(mem) / 1024, float(user) + float(sys_)
r = json.load(open(f"{work}/rampart-{tag}.json"))
s = json.load(open(f"{work}/semgrep-{tag}.json"))
rf = r["stats"]["files_scanned"]
sf = len(s.get("paths", {}).get("scanned", []))
(rw, rm, rc), (sw, sm, sc) = load(f"rampart-{tag}"), load(f"semgrep-{tag}")
mb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(corpus) for f in fs) / 2**20
print(f"corpus: {corpus}, {mb:.1f} MiB (rampart analysed {rf} files, semgrep {sf})")
print(f"{'tool':<10}{'files':>8}{'wall s':>10}{'files/s':>10}{'MB/s':>8}{'CPU s':>10}{'peak MiB':>10}{'findings':>10}")
print(f"{'rampart':<10}{rf:>8}{rw:>10.2f}{rf / rw:>10.1f}{mb / rw:>8.2f}{rc:>10.2f}{rm:>10.0f}{len(r['findings']):>10}")
print(f"{'semgrep':<10}{sf:>8}{sw:>10.2f}{sf / sw:>10.1f}{mb / sw:>8.2f}{sc:>10.2f}{sm:>10.0f}{len(s['results']):>10}")
print(f"ratio semgrep/rampart: wall {sw / rw:.1f}x, files/s {(rf / rw) / (sf / sw):.1f}x, CPU {sc / rc:.1f}x")
for name in ("rampart", "semgrep"):
    start, end = open(f"{work}/{name}-{tag}.load").read().splitlines()[:2]
    print(f"load average (2 cores; 1/5/15 min) around {name}: {start} at the start, {end} at the end")
PY
