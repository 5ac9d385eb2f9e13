#!/usr/bin/env bash
# Benchmarks rampart's IaC engine against Checkov and zizmor on the same files.
#
#   bench/iac.sh [WORKDIR] [COPIES]
#
# Builds the engine's standalone runner (examples/iac_scan.rs, the real scan driver with only the
# iac engine), installs checkov and zizmor into a virtualenv (pip), assembles corpora per family
# (every check example of rampart, the test fixtures, IaC files shipped inside the installed
# PyPI packages, replicated COPIES times), then times each tool per family with /usr/bin/time -v
# and prints wall time, peak memory and findings per family, plus which zizmor finding classes
# rampart also reports on the workflows.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/rampart-iac-bench}"
COPIES="${2:-20}"
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

echo "== assembling corpora in $WORK/corpus (x$COPIES)"
rm -rf "$WORK/corpus" "$WORK/seed"
python3 - "$ROOT/crates/rampart-iac" "$WORK/seed" "$WORK/venv" <<'PY'
import os, sys, tomllib, glob, shutil
crate, seed, venv = sys.argv[1:4]
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
PY
for fam in "$WORK"/seed/*; do
  name="$(basename "$fam")"
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

measure() { # name, output file, command...
  local name="$1" out="$2"; shift 2
  /usr/bin/time -v "$@" >"$out" 2>"$out.time" || true
  local wall rss
  wall=$(grep "Elapsed (wall clock)" "$out.time" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$out.time" | awk '{print $NF}')
  echo "$wall $((rss / 1024))"
}

to_seconds() { # h:mm:ss or m:ss.xx
  python3 -c "import sys; p=sys.argv[1].split(':'); s=0.0
for x in p: s=s*60+float(x)
print(round(s,3))" "$1"
}

declare -A CK_FRAMEWORK=(
  [terraform]=terraform [kubernetes]=kubernetes [dockerfile]=dockerfile
  [cloudformation]=cloudformation [workflows]=github_actions [compose]=none [gitlab]=gitlab_ci
)

printf "\n%-15s %6s | %10s %8s %8s | %10s %8s %8s | %7s\n" family files rampart_s MiB findings checkov_s MiB failed speedup
for dir in "$WORK"/corpus/*; do
  fam="$(basename "$dir")"
  files=$(find "$dir" -type f -not -path '*/.git/*' | wc -l)
  read -r rwall rrss < <(measure rampart "$WORK/rampart-$fam.txt" "$RAMPART" "$dir")
  rfind=$(awk '/^files /{print $4}' "$WORK/rampart-$fam.txt")
  fw="${CK_FRAMEWORK[$fam]:-none}"
  if [ "$fw" != none ]; then
    read -r cwall crss < <(measure checkov "$WORK/checkov-$fam.json" "$CHECKOV" -d "$dir" --framework "$fw" -o json --quiet --compact --skip-download)
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
    rs=$(to_seconds "$rwall"); cs=$(to_seconds "$cwall")
    speed=$(python3 -c "print(f'{$cs/max($rs,0.001):.0f}x')")
  else
    cwall="-"; crss="-"; cfail="-"; speed="-"
  fi
  printf "%-15s %6s | %10s %8s %8s | %10s %8s %8s | %7s\n" "$fam" "$files" "$rwall" "$rrss" "$rfind" "$cwall" "$crss" "$cfail" "$speed"
done

echo
echo "== GitHub workflows: zizmor vs rampart"
read -r zwall zrss < <(measure zizmor "$WORK/zizmor.json" "$ZIZMOR" --offline --format json --persona auditor "$WORK/corpus/workflows")
"$RAMPART" "$WORK/corpus/workflows" --findings >"$WORK/rampart-workflows-findings.txt" 2>/dev/null || true
echo "zizmor: wall $zwall, $zrss MiB"
python3 - "$WORK/zizmor.json" "$WORK/rampart-workflows-findings.txt" <<'PY'
import json, sys, collections, re
# zizmor audit -> rampart checks that cover the same class of issue.
cover = {
    "unpinned-uses": ["gha-unpinned-uses"], "template-injection": ["gha-template-injection", "gha-template-injection-indirect"],
    "dangerous-triggers": ["gha-dangerous-triggers", "gha-dangerous-checkout"], "excessive-permissions": ["gha-permissions-write-all", "gha-missing-permissions", "gha-workflow-write-permissions"],
    "artipacked": ["gha-artipacked"], "self-hosted-runner": ["gha-self-hosted-runner"], "secrets-inherit": ["gha-secrets-inherit"],
    "hardcoded-container-credentials": ["gha-hardcoded-container-credentials"], "unpinned-images": ["gha-unpinned-images"],
    "cache-poisoning": ["gha-cache-poisoning"], "insecure-commands": ["gha-insecure-commands", "gha-deprecated-workflow-commands"], "github-env": ["gha-github-env"],
    "bot-conditions": ["gha-bot-conditions"], "overprovisioned-secrets": ["gha-overprovisioned-secrets"], "unredacted-secrets": ["gha-unredacted-secrets"],
    "use-trusted-publishing": ["gha-use-trusted-publishing"], "anonymous-definition": ["gha-anonymous-definition"], "ref-confusion": ["gha-ref-confusion"],
    "known-vulnerable-actions": ["gha-known-vulnerable-actions"], "obfuscation": ["gha-obfuscation"], "stale-action-refs": ["gha-stale-action-refs"],
    "unsound-contains": ["gha-unsound-contains"], "unsound-condition": ["gha-unsound-condition"], "misfeature": ["gha-pip-extra-index-url"],
    "artifact-poisoning": ["gha-artifact-poisoning"], "concurrency-limits": ["gha-concurrency-limits"],
    "secrets-outside-env": ["gha-secrets-outside-env"], "undocumented-permissions": ["gha-undocumented-permissions"],
}
try:
    z = json.load(open(sys.argv[1]))
except Exception as e:
    print("zizmor output unreadable:", e); sys.exit()
zc = collections.Counter(f.get("ident", "?") for f in z)
rc = collections.Counter(re.search(r"iac/([a-z0-9-]+)", l).group(1) for l in open(sys.argv[2]) if "iac/" in l)
print(f"{'zizmor audit':34} {'zizmor':>7} {'rampart':>8}")
missing = []
for ident, n in sorted(zc.items()):
    ours = sum(rc[c] for c in cover.get(ident, []))
    print(f"{ident:34} {n:7} {ours:8}")
    if ours == 0:
        missing.append(ident)
print("classes zizmor reports that rampart does not:", ", ".join(missing) if missing else "none")
PY
