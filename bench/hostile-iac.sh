#!/usr/bin/env bash
# Time and memory of the IaC engine on hostile inputs (the cases of
# crates/rampart/tests/hostile_iac.rs, larger): each case is generated into its own folder and
# scanned by the engine's standalone runner (examples/iac_scan.rs, release build); prints wall
# time, peak RSS and the diagnostics the limits produce.
#
#   bench/hostile-iac.sh [WORKDIR]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/rampart-hostile-iac}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-iac}"

echo "== building rampart iac runner (release)"
(cd "$ROOT" && cargo build -q --release -p rampart-iac --example iac_scan)
RAMPART="$CARGO_TARGET_DIR/release/examples/iac_scan"

rm -rf "$WORK" && mkdir -p "$WORK"
case_dir() { mkdir -p "$WORK/$1" && echo "$WORK/$1"; }

# 1. Block YAML nested 100,000 levels in a workflow (stack overflow without the depth limit).
d=$(case_dir yaml-depth)
mkdir -p "$d/.github/workflows"
python3 -c "print('on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      '+'- '*100000+'x')" \
  > "$d/.github/workflows/w.yml"

# 2. Helm: nested aliases under the alias cap, written as JSON 1000 times (91 s, 500 MB unbounded).
d=$(case_dir helm-output)
mkdir -p "$d/chart/templates"
printf 'apiVersion: v2\nname: c\nversion: 0.1.0\n' > "$d/chart/Chart.yaml"
python3 - "$d/chart/values.yaml" <<'EOF'
import sys
lines = ["l0: &l0 [x, x]"]
for i in range(1, 16):
    lines.append(f"l{i}: &l{i} [*l{i-1}, *l{i-1}]")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF
printf '{{ range until 1000 }}{{ toJson $.Values }}\n{{ end }}' > "$d/chart/templates/bomb.yaml"
printf '{{ range until 1000 }}{{ $_ := toJson $.Values }}{{ end }}' > "$d/chart/templates/quiet.yaml"

# 3. Terraform: locals that double at each step (2^60 nodes unbounded), a self-calling module.
d=$(case_dir tf-eval)
python3 - "$d/main.tf" <<'EOF'
import sys
out = ['module "again" {\n  source = "./"\n}\n', "locals {\n  a0 = \"x\"\n"]
for i in range(1, 60):
    out.append(f"  a{i} = [local.a{i-1}, local.a{i-1}]\n")
out.append("}\n")
open(sys.argv[1], "w").write("".join(out))
EOF

# 4. Kustomize: a chain of 2,000 bases, and every level including both folders of the next.
d=$(case_dir kustomize)
for i in $(seq 0 1999); do
  mkdir -p "$d/chain/k$i" && printf 'resources:\n  - ../k%d\n' $((i + 1)) > "$d/chain/k$i/kustomization.yaml"
done
for i in $(seq 0 39); do
  for x in a b; do
    mkdir -p "$d/fan/$x$i" && printf 'resources:\n  - ../a%d\n  - ../b%d\n' $((i + 1)) $((i + 1)) > "$d/fan/$x$i/kustomization.yaml"
  done
done

# 5. Go templates: 20,000 nested ifs, values built 20,000 lists deep.
d=$(case_dir gotpl-nesting)
mkdir -p "$d/chart/templates"
printf 'apiVersion: v2\nname: c\nversion: 0.1.0\n' > "$d/chart/Chart.yaml"
printf 'a: 1\n' > "$d/chart/values.yaml"
python3 -c "print('{{ if true }}'*20000 + 'x' + '{{ end }}'*20000)" > "$d/chart/templates/ifs.yaml"
printf '{{ $x := list }}{{ range until 20000 }}{{ $x = list $x }}{{ end }}{{ toJson $x }}' \
  > "$d/chart/templates/lists.yaml"

printf '\n%-16s %10s %12s  %s\n' case wall_s peak_rss_MB diagnostics
for c in yaml-depth helm-output tf-eval kustomize gotpl-nesting; do
  out="$WORK/$c.out"
  /usr/bin/time -f '%e %M' -o "$WORK/$c.time" "$RAMPART" "$WORK/$c" > "$out" 2>&1 || true
  read -r wall rss < "$WORK/$c.time"
  diags=$(grep -ciE 'nested|budget|larger than|more than|cycle|recursion' "$out" || true)
  printf '%-16s %10s %12d  %s\n' "$c" "$wall" $((rss / 1024)) "$diags"
done
echo
echo "(diagnostics: lines of the runner's output naming a limit; full output in $WORK/CASE.out)"
