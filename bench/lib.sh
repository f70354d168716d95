# bench/lib.sh: sourced by the bench scripts that load the HTTP API
# (api-load.sh, api-targets.sh); not run on its own.

# bench_seconds S: sets secs to S, the seconds of each run, or exits 2
# unless it is 1..60.
bench_seconds() {
  secs=$1
  (( secs >= 1 && secs <= 60 )) || { echo "SECONDS must be 1..60" >&2; exit 2; }
}

# bench_tmp: makes the temporary folder tmp, removed at exit together with
# the server that serve_ready starts (pid).
bench_tmp() {
  tmp=$(mktemp -d)
  pid=
  trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
}

# serve_ready DATA: serves DATA with the binary $tmp/allymatch on a free
# 127.0.0.1 port under a random admin token, its log in $tmp/log. Sets
# admin (the token), pid (the server's) and base (http://ADDR) once the
# server logs that it is ready; prints the log and exits 1 when it is not
# ready within 30 s.
serve_ready() {
  admin=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  "$tmp/allymatch" serve --addr 127.0.0.1:0 --data "$1" --admin-token "$admin" 2>"$tmp/log" &
  pid=$!
  local addr=
  for _ in $(seq 300); do
    addr=$(grep -o '"msg":"ready","addr":"[^"]*"' "$tmp/log" | sed 's/.*"addr":"//; s/"$//' || true)
    [[ -n $addr ]] && break
    sleep 0.1
  done
  [[ -n $addr ]] || { cat "$tmp/log" >&2; exit 1; }
  base=http://$addr
}
