#!/usr/bin/env bash
# Compares rampart's API audit (the `api` engine) with Spectral's OWASP ruleset
# (@stoplight/spectral-owasp-ruleset) on the same specs, and writes bench/RESULTS-api.md.
#
#   bench/api.sh [WORKDIR]
#
# Installs @stoplight/spectral-cli, @stoplight/spectral-owasp-ruleset and two packages that ship
# real OpenAPI documents (@readme/oas-examples: example 3.0/3.1/2.0 specs; @octokit/openapi:
# GitHub's REST API spec) from the npm registry into WORKDIR, builds the engine's runner
# (crates/rampart-api/examples/audit.rs, release), runs both tools on each spec and compares per
# spec which rules fired: rampart rules name their Spectral equivalent (`spectral = …` in the
# rule file). Times: rampart's is the median of REPEAT runs of the audit itself (parse, $refs,
# every rule; the runner's start-up excluded), Spectral's the wall time of one `spectral lint`
# (node start-up included: it is what a user waits for).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/rampart-api-bench}"
REPEAT="${REPEAT:-5}"
# PROFILE=dev uses the dev profile (dependencies optimised, rampart's own crates not) where a
# release build of the runner costs too much on a shared machine; RESULTS-api.md says which.
PROFILE="${PROFILE:-release}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rampart/api-bench-target}"
mkdir -p "$WORK/specs"

echo "== npm install (spectral, OWASP ruleset, spec packages)"
if [ ! -x "$WORK/node_modules/.bin/spectral" ]; then
  (cd "$WORK" && npm install --no-audit --no-fund \
    @stoplight/spectral-cli@6 @stoplight/spectral-owasp-ruleset@2 \
    @readme/oas-examples@8 @octokit/openapi@23 >npm.log 2>&1)
fi
printf 'extends: ["@stoplight/spectral-owasp-ruleset"]\n' >"$WORK/.spectral.yaml"

echo "== collecting specs"
cp "$ROOT"/crates/rampart-api/tests/fixtures/vulnapi/*.yaml "$WORK/specs/"
ex="$WORK/node_modules/@readme/oas-examples"
for f in 3.0/yaml/petstore.yaml 3.0/yaml/uspto.yaml 3.0/yaml/security.yaml 3.0/yaml/schema-circular.yaml \
         3.0/yaml/star-trek.yaml 3.1/yaml/train-travel.yaml 3.1/yaml/webhooks.yaml \
         2.0/yaml/petstore-expanded.yaml 2.0/yaml/api-with-examples.yaml; do
  [ -f "$ex/$f" ] && cp "$ex/$f" "$WORK/specs/$(echo "$f" | tr '/' '_')"
done
gh="$(find "$WORK/node_modules/@octokit/openapi" -name 'api.github.com.json' | head -1)"
[ -n "$gh" ] && cp "$gh" "$WORK/specs/github-api.json"
SPECS=$(cd "$WORK/specs" && ls | grep -v '^schemas.yaml$')

echo "== building the audit runner ($PROFILE)"
(cd "$ROOT" && nice -n 15 cargo build -q --profile "$PROFILE" --locked -p rampart-api --example audit)
AUDIT="$CARGO_TARGET_DIR/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")/examples/audit"

: >"$WORK/times.tsv"
for s in $SPECS; do
  echo "== $s"
  "$AUDIT" "$WORK/specs" "$s" >"$WORK/$s.rampart.jsonl" 2>"$WORK/$s.rampart.err" || true
  ms=()
  for _ in $(seq "$REPEAT"); do
    ms+=("$("$AUDIT" "$WORK/specs" "$s" 2>&1 >/dev/null | sed -n 's/^audit-ms //p')")
  done
  rampart_ms=$(printf '%s\n' "${ms[@]}" | sort -n | sed -n "$(( (REPEAT + 1) / 2 ))p")
  start=$(date +%s%N)
  (cd "$WORK" && timeout 900 node_modules/.bin/spectral lint -q -r .spectral.yaml -f json \
     -o "$WORK/$s.spectral.json" "specs/$s" >/dev/null 2>"$WORK/$s.spectral.err") || true
  spectral_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '%s\t%s\t%s\t%s\n' "$s" "$(wc -c <"$WORK/specs/$s")" "$rampart_ms" "$spectral_ms" >>"$WORK/times.tsv"
done

echo "== comparing"
PROFILE="$PROFILE" python3 "$ROOT/bench/api_compare.py" "$WORK" "$ROOT/crates/rampart-api/rules" >"$ROOT/bench/RESULTS-api.md"
echo "wrote bench/RESULTS-api.md"
