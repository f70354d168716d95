#!/usr/bin/env bash
# restart.sh: what a user waits for after a crash: `allymatch serve` on an
# existing store, from the process's start to GET /readyz answering 200,
# then kill -9 (so that the next run is again a restart after a crash).
#
#   bench/restart.sh BINARY DATA [RUNS]   # one line per run, then the median
#
# BINARY is a built allymatch (go build -o /tmp/allymatch .), DATA a data
# folder holding a store, e.g. the generated district:
#
#   allymatch gen --out /tmp/gen && allymatch load --data /tmp/data /tmp/gen
#   bench/restart.sh /tmp/allymatch /tmp/data 5
#   /usr/bin/time -v bench/restart.sh /tmp/allymatch /tmp/data 1   # CPU and peak RSS (the server's)
#
# The server listens on a free 127.0.0.1 port. Its log is read through a
# FIFO (no polling that would load the machine being measured): the time
# is taken at its "ready" line, which it writes once /readyz answers 200;
# one GET /readyz then confirms the 200.
set -euo pipefail
bin=${1:?usage: restart.sh BINARY DATA [RUNS]}
data=${2:?usage: restart.sh BINARY DATA [RUNS]}
runs=${3:-1}
command -v curl >/dev/null || { echo "curl not found" >&2; exit 1; }
tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
times=()
for ((i = 1; i <= runs; i++)); do
  rm -f "$tmp/log" && mkfifo "$tmp/log"
  t0=$(date +%s%N)
  "$bin" serve --addr "127.0.0.1:$port" --data "$data" --admin-token restart-bench-token >/dev/null 2>"$tmp/log" &
  pid=$!
  exec 3<"$tmp/log" # held open until the kill: the server never writes to a closed pipe
  ready=
  while IFS= read -r line <&3; do
    if [[ $line == *'"msg":"ready"'* ]]; then ready=1; break; fi
  done
  t1=$(date +%s%N)
  [[ -n $ready ]] || { echo "serve exited before it was ready" >&2; exit 1; }
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  exec 3<&-
  [[ $code == 200 ]] || { echo "GET /readyz answered $code after the ready line" >&2; exit 1; }
  ms=$(((t1 - t0) / 1000000))
  times+=("$ms")
  echo "run $i: ${ms} ms to /readyz"
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "median of $runs: ${sorted[$((runs / 2))]} ms"
