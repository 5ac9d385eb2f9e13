#!/usr/bin/env bash
# Server benchmarks (issue #13), on this machine, both backends:
#   1. ingest: a 50,000-result SARIF (bench/gen_sarif.py) uploaded, until its job is done:
#      findings/s; then the same results again (every finding unchanged);
#   2. API latency of the finding list (100 per page) under loopback load (wrk, 16 connections);
#   3. jobs/s with 1, 2 and 4 `rampart worker` processes on PostgreSQL: 16 scans of crates/
#      (~0.5 CPU-s each), each in its own project; checks that every job ran exactly once and none was lost.
#      Twice: each scan with one thread per core (the default), and with --scan-threads 1.
# PARTS=3 runs only part 3 (any of 1, 2, 3).
# Needs: a release build (cargo build --release -p rampart), python3, curl, wrk, psql and the
# machine's PostgreSQL (PG_URL, default postgres://postgres@127.0.0.1:5432). Prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RAMPART_BIN:-${CARGO_TARGET_DIR:-target}/release/rampart}
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
n=${FINDINGS:-50000}
jobs=${JOBS:-16}
parts=${PARTS:-123}
job_dir=${JOB_DIR:-crates}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

[ -x "$bin" ] || { echo "build first: cargo build --release -p rampart (or set RAMPART_BIN)"; exit 1; }
for t in python3 curl wrk psql; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
python3 bench/gen_sarif.py "$n" a > "$tmp/big.sarif"
echo "server bench: $n results, $(($(stat -c %s "$tmp/big.sarif") / 1048576)) MiB of SARIF; $(nproc) CPUs"

fresh_pg() {  # a new, empty database named $1
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
  echo "$pg/$1"
}

source bench/start_server.sh

api() {  # METHOD PATH [curl args…]
  local m=$1 p=$2
  shift 2
  curl -sS -X "$m" -H "Authorization: Bearer $token" "$@" "http://$addr$p"
}


ingest() {  # label → prints findings/s for the upload and a repeat
  local pid t0 t1 job
  pid=$(api POST /api/v1/projects -d '{"name":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for round in first repeat; do
    read -r accepted done state < <(python3 bench/ingest_client.py "$addr" "$token" "$pid" "$tmp/big.sarif" "$round")
    [ "$state" = done ] || { echo "  ingest ($1, $round upload): job $state"; exit 1; }
    python3 -c "print(f'  ingest ($1, $round upload): {$done:.2f} s, {$n/$done:,.0f} findings/s (answered after {$accepted:.2f} s)')"
  done
  settle "$1"
  wrk --latency -t2 -c16 -d10s -H "Authorization: Bearer $token" \
    "http://$addr/api/v1/projects/$pid/findings?limit=100" > "$tmp/wrk.txt"
  wrk_figures "$1, first page"
  LIST_PATH="/api/v1/projects/$pid/findings" wrk --latency -t2 -c16 -d10s -s bench/list_pages.lua \
    -H "Authorization: Bearer $token" "http://$addr" > "$tmp/wrk.txt"
  wrk_figures "$1, 500 pages and filters"
}

settle() {  # label: on PostgreSQL, waits (up to 60 s) until the statistics refresh the server
  # starts after a large scan and any autovacuum of the bench database are done, so that the list
  # is measured on its own rather than beside the upload's after-work; prints how long it waited
  [ "$1" = postgres ] || return 0
  local t0=$SECONDS
  for _ in $(seq 1 120); do
    busy=$(psql -At "$pg/rampart_bench" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'rampart_bench' AND pid <> pg_backend_pid() AND state = 'active'")
    [ "$busy" = 0 ] && break
    sleep 0.5
  done
  echo "  (waited $((SECONDS - t0)) s for the upload's statistics refresh and autovacuum to finish)"
}

wrk_figures() {  # label: prints the figures of $tmp/wrk.txt
  python3 - "$tmp/wrk.txt" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
rps = re.search(r"Requests/sec:\s+(\S+)", text).group(1)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"  finding list ({sys.argv[2]}, 100 per page, wrk 16 connections, 10 s): p50 {lat['50']}, p99 {lat['99']}, {float(rps):,.0f} requests/s" + (f", {non2xx.group(1)} errors" if non2xx else ""))
PY
}

if [[ $parts == *1* || $parts == *2* ]]; then
echo "1-2. ingest and list latency"
start_server --data "$tmp/sqlite" --workers 1
ingest sqlite
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
url=$(fresh_pg rampart_bench)
start_server --database-url "$url" --workers 1
ingest postgres
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
fi

[[ $parts == *3* ]] || exit 0
echo "3. jobs/s on PostgreSQL ($jobs scans of $job_dir, one project each)"
for st in 0 1; do
echo "  --scan-threads $st ($([ "$st" = 0 ] && echo 'one thread per core' || echo 'one thread per scan'))"
for w in 1 2 4; do
  url=$(fresh_pg rampart_bench)
  start_server --database-url "$url" --workers 0
  # One project per scan, as on a server with many projects: scans of one project's branches
  # share its finding rows, whose upserts queue behind each other.
  for i in $(seq 1 "$jobs"); do
    pid=$(api POST /api/v1/projects -d "{\"name\":\"jobs$i\",\"local_path\":\"$PWD/$job_dir\"}" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    api POST "/api/v1/projects/$pid/scans" -d '{"branch":"main"}' >/dev/null
  done
  t0=$(date +%s.%N)
  wpids=()
  for k in $(seq 1 "$w"); do
    "$bin" worker --database-url "$url" --scan-threads "$st" --data "$tmp/w$k" 2>/dev/null &
    wpids+=($!); pids+=($!)
  done
  # One light query per 0.1 s (polling each job through the API with python would take a
  # good share of the two CPUs the workers are measured on).
  until [ "$(psql -At "$url" -c "SELECT count(*) FROM job WHERE state IN ('done', 'failed')")" -ge "$jobs" ]; do
    sleep 0.1
  done
  t1=$(date +%s.%N)
  for p in "${wpids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  check=$(psql -At "$url" -c "SELECT count(*) FILTER (WHERE state='done'), sum(attempts), (SELECT count(*) FROM scan) FROM job")
  python3 -c "import sys; s=$t1-$t0; print(f'  {$w} worker(s): {s:.2f} s, {$jobs/s:.2f} jobs/s (done, attempts, scans: $check; expected $jobs|$jobs|$jobs)')"
  kill "${pids[0]}" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pids=()
done
done
psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS rampart_bench" >/dev/null
