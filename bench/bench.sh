#!/usr/bin/env bash
# Run allymatch's benchmarks and keep benchstat-ready output.
#
#   bench/bench.sh [-n COUNT] [-b REGEX] [-o NAME] [-d] [-- go test flags...]
#
#   -n COUNT   runs of each benchmark (-count; default 6, or $COUNT)
#   -b REGEX   benchmark filter (-bench; default ., or $BENCH), e.g.
#              'Pipeline' or 'StoreOpen|Import' or 'Pipeline/20k_units/all_meetings'
#   -o NAME    output name (default: the branch and short commit)
#   -d         include the district-scale sizes (55,000 units; or DISTRICT=1).
#              They need about 4 GB of memory and several minutes.
#
# Everything after -- goes to `go test` (e.g. -- -cpu 1,2 -benchtime 3x).
# The output goes to bench/out/NAME-DATE.txt (bench/out is not committed),
# with the command, commit and load average at the top; compare two runs
# with benchstat (command printed at the end).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
count="${COUNT:-6}"
filter="${BENCH:-.}"
district="${DISTRICT:-}"
name=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) count="$2"; shift 2 ;;
    -b) filter="$2"; shift 2 ;;
    -o) name="$2"; shift 2 ;;
    -d) district=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
if [ -z "$name" ]; then
  name="$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo nogit)-$(git rev-parse --short HEAD 2>/dev/null || echo 0)"
  name="${name//\//_}"
fi
mkdir -p bench/out
out="bench/out/$name-$(date +%Y-%m-%d).txt"
i=2
while [ -e "$out" ]; do out="bench/out/$name-$(date +%Y-%m-%d)-$i.txt"; i=$((i + 1)); done

env=()
[ "$district" = 1 ] && env=(ALLYMATCH_BENCH_DISTRICT=1)
cmd=(go test -run='^$' -bench="$filter" -count="$count" -benchmem -timeout=0 "$@" ./bench)
{
  echo "# ${env[*]:-}${env[*]:+ }${cmd[*]}"
  echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo none), $(go version | cut -d' ' -f3-), $(nproc) CPUs"
  dirty="$(git status --porcelain --untracked-files=no 2>/dev/null | awk '{print $2}' | tr '\n' ' ' || true)"
  [ -z "$dirty" ] || echo "# uncommitted changes in: $dirty"
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) load before$(uptime | sed "s/.*load average//")"
} | tee "$out"
env "${env[@]}" "${cmd[@]}" 2>&1 | tee -a "$out"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) load after$(uptime | sed "s/.*load average//")" | tee -a "$out"

cat <<EOF

wrote $out
compare two runs (per benchmark: median, confidence interval, p-value):
  go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da OLD.txt $out
EOF
