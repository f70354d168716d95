#!/usr/bin/env bash
# Build allymatch and measure its `solve` against LEMON with the peers'
# compare.sh (../shared/peers/solver/compare.sh relative to the repository).
#
#   bench/run-compare.sh [SIZES] [compare.sh options...] [-- solve flags...]
#
# SIZES is a comma list (default tiny,small,medium,large); further options
# (--unit, --seed S, --repeat R, --work DIR) go to compare.sh, and anything
# after -- to `allymatch solve` (e.g. -- --pivot block). Prints the table and
# exits 1 if an optimum differs from LEMON's.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
compare="${ALLYMATCH_COMPARE:-$repo/../shared/peers/solver/compare.sh}"
[ -f "$compare" ] || { echo "run-compare.sh: $compare not found (set ALLYMATCH_COMPARE)" >&2; exit 2; }
sizes=tiny,small,medium,large
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then sizes="$1"; shift; fi
opts=(); solve=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; solve=("$@"); break; fi
  opts+=("$1"); shift
done
bin="$(mktemp -d)/allymatch"
(cd "$repo" && go build -o "$bin" .)
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(cd "$repo" && git rev-parse --short HEAD) $(go version | cut -d' ' -f3) $(nproc) CPUs"
echo "# $compare --sizes $sizes ${opts[*]:-} -- allymatch solve ${solve[*]:-}"
bash "$compare" --sizes "$sizes" "${opts[@]}" -- "$bin" solve "${solve[@]}"
