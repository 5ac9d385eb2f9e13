#!/usr/bin/env bash
# Secrets engine benchmark: rampart (secrets only) vs ripgrep (one fixed string: the reading-speed
# reference) vs detect-secrets, side by side on >= 500 MB of real source from the package
# registries; then git history throughput on a repository with > 10,000 commits.
#
#   bench/secrets.sh            # assemble (cached) and run
#   BENCH_DIR=/data/b bench/secrets.sh
#   DS_MB=50 bench/secrets.sh   # detect-secrets runs on a subset of this many MB (it is slow)
#
# Needs: cargo, python3, pip, npm, git, rg, /usr/bin/time; detect-secrets (pip install detect-secrets).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/rampart-bench}
TARGET_MB=${TARGET_MB:-520}
DS_MB=${DS_MB:-60}
corpus=$BENCH_DIR/corpus
mkdir -p "$corpus" "$BENCH_DIR/dl"

size_mb() { du -sm "$1" | cut -f1; }

assemble() {
  [ -f "$corpus/.complete" ] && return
  echo "== assembling corpus in $corpus (target ${TARGET_MB} MB)"
  # 1. Crate sources already on this machine.
  for reg in "$HOME"/.cargo/registry/src/*/; do
    # (once: copying into an existing folder would nest a second copy)
    [ -d "$reg" ] && [ ! -d "$corpus/crates" ] && cp -r "$reg" "$corpus/crates" 2>/dev/null || true
  done
  # 2. PyPI source distributions.
  mkdir -p "$corpus/pypi"
  for p in django botocore sympy scipy numpy matplotlib ansible-core sqlalchemy pip setuptools \
           pygments babel faker networkx pandas twisted sphinx celery; do
    [ "$(size_mb "$corpus")" -ge "$TARGET_MB" ] && break
    # Without build isolation first (no build dependencies to fetch); an sdist whose metadata
    # the installed setuptools cannot read is fetched again with isolation, its build
    # dependencies as wheels (building them from source takes long), within two minutes.
    pip download -q --no-binary :all: --no-deps --no-build-isolation -d "$BENCH_DIR/dl" "$p" >/dev/null 2>&1 \
      || timeout 120 pip download -q --no-binary "$p" --no-deps -d "$BENCH_DIR/dl" "$p" >/dev/null 2>&1 || continue
  done
  for f in "$BENCH_DIR"/dl/*.tar.gz "$BENCH_DIR"/dl/*.zip; do
    [ -f "$f" ] || continue
    case "$f" in
      *.zip) unzip -qo "$f" -d "$corpus/pypi" ;;
      *) tar -xzf "$f" -C "$corpus/pypi" ;;
    esac
  done
  # 3. npm packages.
  mkdir -p "$corpus/npm" "$BENCH_DIR/npm"
  for p in typescript aws-sdk @types/node lodash rxjs three @angular/core webpack eslint react-dom \
           moment date-fns @babel/core prettier @fortawesome/fontawesome-free highlight.js; do
    [ "$(size_mb "$corpus")" -ge "$TARGET_MB" ] && break
    (cd "$BENCH_DIR/npm" && npm pack -q "$p" >/dev/null 2>&1) || continue
  done
  for t in "$BENCH_DIR"/npm/*.tgz; do
    [ -f "$t" ] || continue
    d="$corpus/npm/$(basename "$t" .tgz)"; mkdir -p "$d"; tar -xzf "$t" -C "$d"
  done
  # Ignore files would make the tools read different sets: remove them.
  find "$corpus" \( -name .gitignore -o -name .ignore -o -name .rgignore \) -delete
  touch "$corpus/.complete"
}

measure() { # label, command...  → prints "label wall_s rss_mb cpu_s" (cpu = user + sys)
  local label=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$log")
  echo "$label $wall $rss $cpu"
  rm -f "$log"
}

assemble
echo "== building rampart (release)"
(cd "$here" && cargo build --release -q -p rampart)
rampart=${RAMPART:-$here/target/release/rampart}
[ -x "$rampart" ] || rampart=${CARGO_TARGET_DIR:-$here/target}/release/rampart

mb=$(size_mb "$corpus")
files=$(find "$corpus" -type f | wc -l)
echo "corpus: $mb MB, $files files ($(nproc) cores)"
# Warm the page cache so every tool reads from memory.
rg -uuu -c zzzzqqqq "$corpus" >/dev/null 2>&1 || true

# Best of three runs each, so a busy machine does not decide the ratio.
best() { local b=""; for _ in 1 2 3; do r=$(measure "$@"); if [ -z "$b" ] || awk -v x="$r" -v y="$b" 'BEGIN{split(x,a," ");split(y,c," "); exit !(a[2]<c[2])}'; then b=$r; fi; done; echo "$b"; }
r_rg=$(best rg rg -uu -F -c AKIA "$corpus")
r_rp=$(best rampart "$rampart" scan "$corpus" --engines secrets --format json --output "$BENCH_DIR/rampart.json" --fail-on never -q)
r_rg1=$(best rg-1-thread rg -j1 -uu -F -c AKIA "$corpus")
r_rp1=$(best rampart-1-thread "$rampart" scan "$corpus" --engines secrets --threads 1 --format json --output /dev/null --fail-on never -q)
# The keyword pass CPUs without AVX-512 VBMI/BITALG get (the AVX2 pass), for comparison.
r_rpe=$(RAMPART_KEYWORD_PASS=even best rampart-avx2-pass "$rampart" scan "$corpus" --engines secrets --format json --output /dev/null --fail-on never -q)
findings=$(python3 -c "import json; print(len(json.load(open('$BENCH_DIR/rampart.json'))['findings']))")

# detect-secrets on a subset (it is orders of magnitude slower), compared by MB/s.
subset=$BENCH_DIR/ds-subset
if [ ! -d "$subset" ]; then
  mkdir -p "$subset"
  python3 - "$corpus" "$subset" "$DS_MB" <<'PY'
import os, shutil, sys
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]) << 20
total = 0
for root, dirs, files in sorted(os.walk(src)):
    dirs.sort()
    for f in sorted(files):
        p = os.path.join(root, f)
        try: n = os.path.getsize(p)
        except OSError: continue
        rel = os.path.relpath(p, src)
        os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
        shutil.copyfile(p, os.path.join(dst, rel)); total += n
        if total >= limit: sys.exit(0)
PY
fi
ds_mb=$(size_mb "$subset")
r_ds=$(cd "$subset" && measure detect-secrets detect-secrets scan --all-files .)
r_rp_sub=$(measure rampart-subset "$rampart" scan "$subset" --engines secrets --format json --output /dev/null --fail-on never -q)

python3 - "$mb" "$ds_mb" "$r_rg" "$r_rp" "$r_ds" "$r_rp_sub" "$r_rg1" "$r_rp1" "$findings" "$r_rpe" <<'PY'
import sys
mb, ds_mb = float(sys.argv[1]), float(sys.argv[2])
def parse(s):
    label, wall, rss, cpu = s.split(); return label, float(wall), float(rss), float(cpu)
rg, rp, ds, rps, rg1, rp1 = (parse(s) for s in sys.argv[3:9])
rpe = parse(sys.argv[10])
print()
print(f"{'tool':<28}{'MB':>8}{'wall s':>10}{'CPU s':>10}{'MB/s':>10}{'peak RSS MB':>14}")
for (label, wall, rss, cpu), size in ((rg, mb), (rp, mb), (rpe, mb), (rg1, mb), (rp1, mb), (ds, ds_mb), (rps, ds_mb)):
    print(f"{label:<28}{size:>8.0f}{wall:>10.2f}{cpu:>10.2f}{size/max(wall,1e-3):>10.1f}{rss:>14.0f}")
print()
print(f"rampart findings on the full corpus (no planted secrets): {sys.argv[9]}")
print(f"rampart / rg, wall (2 threads):  {rp[1]/max(rg[1],1e-3):.2f}x   (target: within 2x)")
print(f"rampart / rg, wall (1 thread):   {rp1[1]/max(rg1[1],1e-3):.2f}x")
print(f"rampart / rg, CPU time:          {rp1[3]/max(rg1[3],1e-3):.2f}x   (user + sys; robust to a busy machine)")
print(f"rampart with the AVX2 pass / rg: {rpe[1]/max(rg[1],1e-3):.2f}x   (CPUs without AVX-512 VBMI/BITALG)")
print(f"detect-secrets / rampart, wall ({ds_mb:.0f} MB subset): {ds[1]/max(rps[1],1e-3):.0f}x   (target: >= 50x)")
PY

# History: a repository with > 10,000 commits, built with git fast-import from corpus files.
repo=$BENCH_DIR/history-repo
if [ ! -d "$repo/.git" ]; then
  echo "== building a 12,000-commit repository"
  git init -q "$repo"
  python3 - "$corpus" <<'PY' | (cd "$repo" && git fast-import --quiet)
import os, random, sys
random.seed(7)
pool = []
for root, _, files in os.walk(os.path.join(sys.argv[1], "pypi")):
    for f in files:
        if f.endswith((".py", ".txt", ".cfg", ".toml", ".rst")):
            pool.append(os.path.join(root, f))
    if len(pool) > 4000: break
pool.sort()
out = sys.stdout.buffer
paths = [f"pkg{i % 40}/{os.path.basename(p)}" for i, p in enumerate(pool)]
for n in range(12000):
    out.write(b"commit refs/heads/main\n")
    out.write(f"committer Bench <bench@example.org> {1600000000 + n * 60} +0000\n".encode())
    msg = f"change {n}".encode()
    out.write(b"data %d\n%s\n" % (len(msg), msg))
    for _ in range(random.randint(1, 3)):
        i = random.randrange(len(pool))
        try: data = open(pool[i], "rb").read()[:20000]
        except OSError: continue
        data += f"\n# rev {n}\n".encode()
        out.write(f"M 100644 inline {paths[i]}\n".encode())
        out.write(b"data %d\n" % len(data)); out.write(data); out.write(b"\n")
PY
  (cd "$repo" && git checkout -q main 2>/dev/null || true)
fi
commits=$(git -C "$repo" rev-list --all | wc -l)
blobs=$(git -C "$repo" rev-list --objects --all | cut -d' ' -f1 \
  | git -C "$repo" cat-file --batch-check='%(objecttype)' | grep -c blob || true)
log=$(mktemp)
/usr/bin/time -v "$rampart" scan "$repo" --history --engines secrets --stats --format json --output "$BENCH_DIR/history.json" --fail-on never -q 2>"$log" >/dev/null || true
grep '^stats:' "$log"
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
read_blobs=$(python3 -c "import json; print(json.load(open('$BENCH_DIR/history.json'))['stats']['blobs'])")
echo
echo "history: $commits commits, $blobs unique blobs in the repository; rampart read $read_blobs blobs (each once)"
python3 -c "print(f'history: {$read_blobs/max($wall,1e-3):.0f} blobs/s, {$wall:.2f} s wall, {$rss} MB peak RSS')"
rm -f "$log"
