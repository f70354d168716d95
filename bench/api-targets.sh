#!/usr/bin/env bash
# api-targets.sh: issue 4's latency targets, measured at fixed rates (open
# loop, bench/loadgen) on loopback:
#
#   reads (GET /v1/claims and GET /v1/items/{id}, mixed)  2000/s  p99 < 10 ms
#   durable writes (accept/reject of fresh proposals)     200/s   p99 < 15 ms
#   Banan community proposals (POST /v1/meetings/lh/...)  20/s    p99 < 20 ms
#
# and, first, what a coordinator waits for when proposing the generated
# data's busiest community meeting (issue 15; the most claims in the
# document's last run, or $PROPOSE_MEETING): cold (its first run on a
# fresh server), right after a one-item edit (PATCH of one demand's
# quantity), and with nothing changed, 5 times each, median and the
# response's bytes (targets at district size: edit p50 <= 60 ms, cold <=
# 250 ms, nothing changed writes nothing).
#
#   bench/api-targets.sh [SECONDS]   # each run lasts SECONDS (default 10, max 60)
#   UNITS=55000 PROPOSE_MEETING=A-C213 bench/api-targets.sh   # the district (gen's default size)
#
# It builds the binary and the load generator, loads the Banan sample and a
# generated district (allymatch gen --units ${UNITS:-2000}) into a temp data folder,
# serves it on a free 127.0.0.1 port with a random admin token, makes a unit
# token, an lh coordinator token and a district coordinator token through the
# API, runs the three loads one after the other, and stops the server.
# Latency counts from when each request was due, so queueing is measured.
# Nothing leaves loopback. Needs curl and jq.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_seconds "${1:-10}"
command -v jq >/dev/null || { echo "jq not found" >&2; exit 1; }
cd "$(dirname "$0")/.."
bench_tmp

echo "# api-targets $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), $(nproc) CPUs, $(go env GOVERSION)"
echo "# uptime: $(uptime)"
echo "# the machine is shared: the load average above is other work, not only this run"
echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- api matcher 2>/dev/null || echo ' (api/ or matcher/ has uncommitted changes)')"

go build -o "$tmp/allymatch" .
go build -o "$tmp/loadgen" ./bench/loadgen
"$tmp/allymatch" gen --units "${UNITS:-2000}" --out "$tmp/gen" >/dev/null 2>&1
"$tmp/allymatch" load --data "$tmp/data" fixtures/banan >/dev/null 2>&1
"$tmp/allymatch" load --data "$tmp/data" "$tmp/gen" >/dev/null 2>&1
if [[ -z ${PROPOSE_MEETING:-} ]]; then # the community meeting with the most proposals
  "$tmp/allymatch" match --data "$tmp/data" --json 2>/dev/null |
    jq -r '[.[] | select(.level == "community") | {meeting, n: (.proposals | length)}] | max_by(.n) | .meeting' >"$tmp/busiest"
fi

serve_ready "$tmp/data"
J='Content-Type: application/json'
api() { # token method path [body]
  local args=(-sf -X "$2" -H "Authorization: Bearer $1")
  [[ $# -ge 4 ]] && args+=(-H "$J" -d "$4")
  curl "${args[@]}" "$base$3"
}
token() { api "$admin" POST /v1/tokens "$1" | jq -r .token; }
unit=$(token '{"role":"unit","unit":"lh-school"}')
coord=$(token '{"role":"coordinator","alliance":"lh"}')
district=$(token '{"role":"coordinator","alliance":"A-D"}')
api "$coord" POST /v1/meetings/lh/proposals '{}' >/dev/null

# Proposals of the busiest community meeting: cold, after a one-item
# edit, nothing changed.
meeting=${PROPOSE_MEETING:-$(cat "$tmp/busiest")}
timed() { # POST the meeting's proposals: code, seconds, bytes
  curl -s -o "$tmp/prop" -w '%{http_code} %{time_total} %{size_download}\n' -H "$J" -H "Authorization: Bearer $district" \
    -d '{}' "$base/v1/meetings/$meeting/proposals"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
read -r code secs0 bytes0 < <(timed)
[[ $code == 200 ]] || { echo "proposals of $meeting refused ($code): $(head -c 300 "$tmp/prop")" >&2; exit 1; }
plan=$(jq '.totals.proposals' "$tmp/prop")
echo "# proposals of $meeting ($plan proposals), coordinator token A-D"
printf 'cold       %8.1f ms  %9d bytes  written (new, changed, dropped) %s\n' "$(awk "BEGIN {print $secs0*1000}")" "$bytes0" "$(jq -c '[.changes.new, .changes.changed, .changes.dropped] | map(length)' "$tmp/prop")"
demand=$(api "$district" GET "/v1/claims?meeting=$meeting&status=proposed&limit=1" | jq -r '.items[0].demand')
qty=$(api "$district" GET "/v1/items/$demand" | jq -r '.quantity')
: >"$tmp/edit.t"
for i in 1 2 3 4 5; do
  q=$(( i % 2 == 1 ? qty + 1 : qty ))
  api "$district" PATCH "/v1/items/$demand" "{\"quantity\":$q}" >/dev/null
  read -r code t bytes < <(timed)
  echo "$t $bytes $(jq -c '[.changes.new, .changes.changed, .changes.dropped] | map(length)' "$tmp/prop")" >>"$tmp/edit.t"
done
: >"$tmp/same.t"
for i in 1 2 3 4 5; do
  read -r code t bytes < <(timed)
  echo "$t $bytes $(jq -r '.run // 0' "$tmp/prop")" >>"$tmp/same.t"
done
printf 'edit       %8.1f ms  %9d bytes  written (new, changed, dropped) %s  (p50 of 5, %s)\n' \
  "$(cut -d' ' -f1 "$tmp/edit.t" | median | awk '{print $1*1000}')" "$(tail -1 "$tmp/edit.t" | cut -d' ' -f2)" "$(tail -1 "$tmp/edit.t" | cut -d' ' -f3)" "demand $demand"
printf 'unchanged  %8.1f ms  %9d bytes  runs that wrote: %s of 5\n' \
  "$(cut -d' ' -f1 "$tmp/same.t" | median | awk '{print $1*1000}')" "$(tail -1 "$tmp/same.t" | cut -d' ' -f2)" "$(awk '$3 != 0' "$tmp/same.t" | wc -l)"
echo

run() { # name token rate targets-file
  "$tmp/loadgen" -base "$base" -name "$1" -token "$2" -rate "$3" -duration "${secs}s" -targets "$4"
  echo
}

# Reads: the unit's claims and the items it may see, alternately.
api "$unit" GET '/v1/units/lh-school/items?limit=1000' | jq -r '.items[].id' >"$tmp/items"
for al in $(api "$unit" GET '/v1/units/lh-committee/items?limit=1000' | jq -r '.items[].id'); do echo "$al"; done >>"$tmp/items"
while read -r id; do
  echo "GET /v1/claims"
  echo "GET /v1/items/$id"
done <"$tmp/items" >"$tmp/reads"
echo "# $(wc -l <"$tmp/reads") read targets ($(wc -l <"$tmp/items") items), unit token lh-school"
run "reads: GET /v1/claims + GET /v1/items/{id}, 2000/s" "$unit" 2000 "$tmp/reads"

# Durable writes: fresh proposals of the generated district's community
# meetings, answered by its coordinator: every claim is accepted for its
# resource side, then half are accepted for the demand side (confirmed)
# and half rejected. No claim is answered twice, so every answer should
# succeed; a 409 would be a claim a later proposal replaced.
need=$(( secs * 200 / 2 + 1 ))
for m in $(api "$district" GET '/v1/alliances?limit=1000' | jq -r '.items[] | select(.level=="community") | .id'); do
  code=$(curl -s -o "$tmp/out" -w '%{http_code}' -H "$J" -H "Authorization: Bearer $district" -d '{}' "$base/v1/meetings/$m/proposals")
  [[ $code == 200 ]] || echo "# proposals of $m refused ($code): $(head -c 300 "$tmp/out")"
  n=$(api "$district" GET '/v1/claims?status=proposed&limit=1000' | jq '.items | length')
  if (( n >= need )); then break; fi
done
: >"$tmp/claims"
cursor=
while (( $(wc -l <"$tmp/claims") < need )); do
  page=$(api "$district" GET "/v1/claims?status=proposed&limit=1000${cursor:+&cursor=$cursor}")
  jq -r '.items[].id' <<<"$page" >>"$tmp/claims"
  cursor=$(jq -r '.next // empty' <<<"$page")
  [[ -n $cursor ]] || break
done
head -n "$need" "$tmp/claims" >"$tmp/claims.n"
{
  while read -r id; do echo "POST /v1/claims/$id/accept {\"side\":\"resource\"}"; done <"$tmp/claims.n"
  i=0
  while read -r id; do
    i=$((i + 1))
    if (( i % 2 == 1 )); then echo "POST /v1/claims/$id/accept {\"side\":\"demand\"}"
    else echo "POST /v1/claims/$id/reject {\"side\":\"demand\",\"reason\":\"load test\"}"; fi
  done <"$tmp/claims.n"
} >"$tmp/writes"
echo "# $(wc -l <"$tmp/claims.n") fresh proposed claims, $(wc -l <"$tmp/writes") answers, coordinator token A-D"
run "durable writes: POST /v1/claims/{id}/accept|reject, 200/s" "$district" 200 "$tmp/writes"
for st in proposed confirmed rejected; do
  echo "# after the writes: $(api "$district" GET "/v1/claims?status=$st&limit=1000" | jq '.items | length') $st claims (first page of up to 1000)"
done
echo

# Proposals of the Banan community meeting lh (each replaces the last).
echo 'POST /v1/meetings/lh/proposals {"mode":"welfare"}' >"$tmp/propose"
run "lh proposals: POST /v1/meetings/lh/proposals, 20/s" "$coord" 20 "$tmp/propose"
