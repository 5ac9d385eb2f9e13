#!/usr/bin/env bash
# Dashboard page render times (issue #14: each page within 200 ms server-side on a project with
# 50,000 findings), both backends: uploads the 50,000-result SARIF of bench/gen_sarif.py, then
# times each page one request at a time (bench/dashboard_pages.py). Prints figures.
# Needs: a release build (cargo build --release -p rampart), python3, curl, psql and the
# machine's PostgreSQL (PG_URL, default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RAMPART_BIN:-${CARGO_TARGET_DIR:-target}/release/rampart}
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
n=${FINDINGS:-50000}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

[ -x "$bin" ] || { echo "build first: cargo build --release -p rampart (or set RAMPART_BIN)"; exit 1; }
for t in python3 curl psql; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
python3 bench/gen_sarif.py "$n" a > "$tmp/big.sarif"
echo "dashboard bench: a project with $n findings; $(nproc) CPUs"

source bench/start_server.sh

pages() {  # label
  local pid
  pid=$(curl -sS -H "Authorization: Bearer $token" -X POST "http://$addr/api/v1/projects" -d '{"name":"bench"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  read -r _ _ state < <(python3 bench/ingest_client.py "$addr" "$token" "$pid" "$tmp/big.sarif" first)
  [ "$state" = done ] || { echo "  upload ($1): job $state"; exit 1; }
  echo " $1"
  python3 bench/dashboard_pages.py "$addr" "$token" "$pid" "${ROUNDS:-20}"
}

start_server --data "$tmp/sqlite" --workers 1
pages sqlite
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS rampart_dash_bench" -c "CREATE DATABASE rampart_dash_bench" >/dev/null
start_server --database-url "$pg/rampart_dash_bench" --workers 1
pages postgres
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS rampart_dash_bench" >/dev/null
