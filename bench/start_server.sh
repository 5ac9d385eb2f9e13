# Sourced by bench/server.sh and bench/dashboard.sh (which set $bin, $tmp and the pids array):
# start_server ARGS… starts `rampart server` on a free loopback port, without monitoring's
# database downloads, and sets $addr and the first-start admin $token.
start_server() {
  "$bin" server --listen 127.0.0.1:0 --rate-limit 1000000 --db-update-interval 0 "$@" 2>"$tmp/server.log" &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -q "listening on" "$tmp/server.log" 2>/dev/null && break
    sleep 0.1
  done
  addr=$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$tmp/server.log")
  token=$(sed -n 's/.*store it now): //p' "$tmp/server.log")
}
