#!/usr/bin/env bash
# Secrets precision on real code nobody wrote for the rules: registry packages (crates on this
# machine, PyPI sdists and npm packages of real applications with translations, fixtures and
# docs), unpacked under $BENCH_DIR (not committed). Prints findings per 100 MB by rule and the
# precision of the hand-labelled sample in bench/secrets-labels.tsv.
#
#   bench/secrets-precision.sh                 # assemble (cached), scan, report
#   bench/secrets-precision.sh sample 400      # also list findings without a label, to label
#   RAMPART=path/to/rampart bench/secrets-precision.sh   # the CLI instead of examples/scan_json
#   SCAN_JSON=path/to/scan_json bench/secrets-precision.sh  # a scan_json already built
#
# Labels (bench/secrets-labels.tsv): path-in-corpus, line, rule, TP|FP, one-line reason.
# A labelled finding the scan no longer reports counts as removed (a removed TP is lost recall).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/rampart-prec}
corpus=$BENCH_DIR/corpus
mkdir -p "$corpus" "$BENCH_DIR/dl" "$BENCH_DIR/npm"

assemble() {
  [ -f "$corpus/.complete" ] && return
  echo "== assembling corpus in $corpus"
  # 1. Crate sources already on this machine (Rust code, docs, test vectors).
  for reg in "$HOME"/.cargo/registry/src/*/; do
    [ -d "$reg" ] && cp -r "$reg" "$corpus/crates" 2>/dev/null || true
  done
  # 2. PyPI sdists of applications and frameworks: translations, fixtures, docs, settings.
  for p in django wagtail django-oscar django-cms mezzanine apache-superset apache-airflow \
           homeassistant ansible-core sentry-sdk; do
    n=$(echo "$p" | tr '_-' '..')
    ls "$BENCH_DIR/dl" | grep -qi "^${n}-[0-9]" && continue
    (cd "$BENCH_DIR/dl" && timeout 400 pip download -q --no-binary :all: --no-deps "$p" >/dev/null 2>&1) || echo "  (pip: $p not fetched)"
  done
  mkdir -p "$corpus/pypi"
  for f in "$BENCH_DIR"/dl/*.tar.gz "$BENCH_DIR"/dl/*.zip; do
    [ -f "$f" ] || continue
    case "$f" in
      *.zip) unzip -qo "$f" -d "$corpus/pypi" ;;
      *) tar -xzf "$f" -C "$corpus/pypi" ;;
    esac
  done
  # 3. npm packages of applications (credential definitions, locales, fixtures).
  for p in n8n-nodes-base @strapi/admin ghost node-red @node-red/nodes @directus/app \
           mattermost-redux @keystone-6/core; do
    n=$(echo "$p" | tr -d @ | tr / -)
    ls "$BENCH_DIR/npm" | grep -q "^${n}-[0-9]" && continue
    (cd "$BENCH_DIR/npm" && timeout 200 npm pack -q "$p" >/dev/null 2>&1) || echo "  (npm: $p not fetched)"
  done
  mkdir -p "$corpus/npm"
  for t in "$BENCH_DIR"/npm/*.tgz; do
    [ -f "$t" ] || continue
    d="$corpus/npm/$(basename "$t" .tgz)"; mkdir -p "$d"; tar -xzf "$t" -C "$d"
  done
  find "$corpus" \( -name .gitignore -o -name .ignore -o -name .rgignore \) -delete
  touch "$corpus/.complete"
}

assemble
out=$BENCH_DIR/findings.json
if [ -n "${RAMPART:-}" ]; then
  "$RAMPART" scan "$corpus" --engines secrets --format json --output "$out" --fail-on never -q || true
elif [ -n "${SCAN_JSON:-}" ]; then
  "$SCAN_JSON" "$corpus" > "$out"
else
  # The secrets engine alone (examples/scan_json.rs): the same findings as
  # `rampart scan --engines secrets`, without building the whole CLI.
  (cd "$here" && cargo build --release -q -p rampart-secrets --example scan_json)
  "${CARGO_TARGET_DIR:-$here/target}/release/examples/scan_json" "$corpus" > "$out"
fi
python3 "$here/bench/secrets_precision.py" "$corpus" "$out" "$here/bench/secrets-labels.tsv" "$@"
