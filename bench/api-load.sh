#!/usr/bin/env bash
# api-load.sh: load the HTTP API on loopback with wrk (Debian: apt-get
# install wrk) and print latency percentiles for reads, durable writes and
# proposals of the Banan community meeting (issue 4's targets: reads p99 <
# 10 ms, writes p99 < 15 ms, proposals p99 < 20 ms).
#
#   bench/api-load.sh [SECONDS]   # each run is bounded (default 10 s, max 60)
#
# It builds the binary, serves a fresh copy of the Banan sample on a free
# 127.0.0.1 port, and stops it afterwards. Nothing leaves loopback.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_seconds "${1:-10}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
cd "$(dirname "$0")/.."
bench_tmp
go build -o "$tmp/allymatch" .
serve_ready "$tmp/data"
token() { curl -sf -H 'Content-Type: application/json' -H "Authorization: Bearer $admin" -d "$1" "$base/v1/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/'; }
coord=$(token '{"role":"coordinator","alliance":"lh"}')
unit=$(token '{"role":"unit","unit":"lh-school"}')
curl -sf -H 'Content-Type: application/json' -H "Authorization: Bearer $coord" -d '{}' "$base/v1/meetings/lh/proposals" >/dev/null

cat >"$tmp/patch.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("PATCH", "/v1/items/LH-D01", nil, string.format('{"quantity":%d}', 6 + n % 4))
end
LUA
cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"mode":"welfare"}'
LUA

run() { # name token conns script-or-empty path
  echo "== $1 (${secs}s, $3 connections)"
  local args=(-t2 -c"$3" -d"${secs}s" --latency -H "Authorization: Bearer $2" -H "Content-Type: application/json")
  [[ -n $4 ]] && args+=(-s "$4")
  wrk "${args[@]}" "$base$5" | grep -E 'Latency|50%|90%|99%|Requests/sec|Non-2xx'
}
run "reads: GET /v1/units/lh-school/items" "$unit" 16 "" /v1/units/lh-school/items
run "durable writes: PATCH /v1/items/LH-D01" "$unit" 4 "$tmp/patch.lua" /v1/items/LH-D01
run "proposals: POST /v1/meetings/lh/proposals" "$coord" 2 "$tmp/post.lua" /v1/meetings/lh/proposals
