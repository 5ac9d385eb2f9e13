#!/usr/bin/env bash
# SAST precision on real applications nobody wrote for the rules: PyPI sdists of Django/Flask
# applications, npm packages of Express/Koa servers, Go sources of real services and libraries that
# Debian ships (golang-*-dev, /usr/share/gocode), and Java from Debian (the JDK's own sources
# from openjdk-17-source, BeanShell from bsh-src). Unpacked under $BENCH_DIR (not committed).
# Prints findings by language and rule and the precision of the hand-labelled sample in
# bench/sast-labels.tsv (per rule, per language, overall).
#
#   bench/sast-precision.sh                    # assemble (cached), scan, report
#   bench/sast-precision.sh sample 300         # also list findings without a label, to label
#   RAMPART=path/to/rampart bench/sast-precision.sh   # default: target/release/rampart (built)
#
# Labels (bench/sast-labels.tsv): id (fingerprint), lang, rule, file:line (in the corpus),
# TP|FP, one-line reason. A label is joined to a finding by fingerprint, else by rule and
# file:line; a labelled finding the scan no longer reports counts as removed (a removed TP is
# lost recall).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/rampart-sast-prec}
corpus=$BENCH_DIR/corpus
mkdir -p "$corpus" "$BENCH_DIR/dl"

PYPI="flask-admin Flask-AppBuilder django-cms wagtail django-oscar mezzanine django-filer pretalx"
NPM="json-server parse-server @node-red/nodes @node-red/runtime @node-red/editor-api verdaccio
ghost @strapi/core express-fileupload serve-index http-server"
GO_DEBS="golang-github-crowdsecurity-crowdsec-dev golang-github-docker-distribution-dev
golang-github-gin-gonic-gin-dev golang-github-labstack-echo-dev golang-github-gorilla-mux-dev
golang-github-go-chi-chi-dev"
GO_TREES="github.com/crowdsecurity/crowdsec github.com/docker/distribution github.com/gin-gonic/gin
github.com/labstack/echo github.com/gorilla/mux github.com/go-chi/chi"
JDK_MODULES="jdk.httpserver java.net.http java.naming java.sql java.sql.rowset java.rmi java.management"

assemble() {
  [ -f "$corpus/.complete" ] && return
  echo "== assembling corpus in $corpus"
  mkdir -p "$corpus/python" "$corpus/javascript" "$corpus/go" "$corpus/java"
  for p in $PYPI; do
    (cd "$BENCH_DIR/dl" && timeout 600 pip download -q --no-binary :all: --no-deps "$p" >/dev/null 2>&1) ||
      echo "  (pip: $p not fetched)"
  done
  for f in "$BENCH_DIR"/dl/*.tar.gz; do [ -f "$f" ] && tar -xzf "$f" -C "$corpus/python"; done
  for p in $NPM; do
    d="$corpus/javascript/$(echo "$p" | tr -d @ | tr / -)"
    [ -d "$d" ] && continue
    t=$(cd "$BENCH_DIR/dl" && timeout 300 npm pack --silent "$p" 2>/dev/null | tail -1) || { echo "  (npm: $p not fetched)"; continue; }
    mkdir -p "$d" && tar -xzf "$BENCH_DIR/dl/$t" -C "$d"
  done
  # shellcheck disable=SC2086
  command -v dpkg >/dev/null && { dpkg -s $GO_DEBS bsh-src openjdk-17-source >/dev/null 2>&1 ||
    apt-get install -y $GO_DEBS bsh-src openjdk-17-source >/dev/null; }
  for t in $GO_TREES; do
    [ -d "/usr/share/gocode/src/$t" ] && cp -rL "/usr/share/gocode/src/$t" "$corpus/go/$(basename "$t")"
  done
  mkdir -p "$corpus/java/bsh" && tar -xzf /usr/src/bsh-src/bsh.tar.gz -C "$corpus/java/bsh"
  for m in $JDK_MODULES; do
    unzip -qo /usr/lib/jvm/openjdk-17/lib/src.zip "$m/*" -d "$corpus/java/jdk"
  done
  find "$corpus" -name '*.min.js' -delete
  find "$corpus" \( -name .gitignore -o -name .ignore -o -name .rampartignore \) -delete
  touch "$corpus/.complete"
}

assemble
if [ -z "${RAMPART:-}" ]; then
  (cd "$here" && cargo build --release -q -p rampart)
  RAMPART="${CARGO_TARGET_DIR:-$here/target}/release/rampart"
fi
out=$BENCH_DIR/findings.json
(cd "$corpus" && "$RAMPART" scan . --engines sast --format json --fail-on never --output "$out" -q) || true
python3 "$here/bench/sast_precision.py" "$corpus" "$out" "$here/bench/sast-labels.tsv" "$@"
