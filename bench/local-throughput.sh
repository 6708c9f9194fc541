#!/usr/bin/env bash
# Starting many short tasks: 1,000 tasks of `true`, 2 at a time, through `hsm run` and, side by side in
# the same run, GNU parallel with the same bookkeeping (--joblog --results) and xargs -P2 (the floor:
# one fork+exec per task). Prints a markdown table of median wall times over REPS runs and the ratios.
#
#   bash bench/local-throughput.sh            # N=1000 REPS=5
#   N=1000 REPS=5 bash bench/local-throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
REPS=${REPS:-5}
HSM="node $PWD/bin/hsm.js"
[ -f dist/cli.js ] || npm run --silent build
command -v parallel >/dev/null || { echo "GNU parallel is missing: apt-get install parallel" >&2; exit 2; }

work=$(mktemp -d "${BENCH_DIR:-/tmp}/hsm-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project/sweeps"
{
  echo "name: bench"
  echo "command: \"true\""
  echo "args: none"
  echo "sweep:"
  echo "  grid:"
  printf '    i: ['; seq -s, 1 "$N" | tr -d '\n'; echo ']'
} > "$work/project/sweeps/sweep.yaml"
echo "defaults: {output_dir: $work/outputs}" > "$work/project/hsm_config.yaml"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo $(((t1 - t0) / 1000000)); }

run_xargs() { seq "$N" | xargs -P2 -I{} true; }
run_parallel() { rm -rf "$work/par"; mkdir -p "$work/par"; seq "$N" | parallel -j2 --joblog "$work/par/joblog" --results "$work/par/res" true; }
run_hsm() { (cd "$work/project" && $HSM run --jobs 2 --json >/dev/null); }

declare -A results
for tool in xargs parallel hsm; do
  for _ in $(seq "$REPS"); do time_ms "run_$tool"; done | median > "$work/$tool.ms"
  results[$tool]=$(cat "$work/$tool.ms")
done
# check that hsm really ran every task (the last sweep)
last=$(ls -t "$work/outputs" | head -1)
done_count=$(cd "$work/project" && $HSM status "$last" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).counts.completed))')
[ "$done_count" = "$N" ] || { echo "hsm completed $done_count of $N tasks" >&2; exit 1; }

x=${results[xargs]}; p=${results[parallel]}; h=${results[hsm]}
echo "| tool ($N × true, 2 at a time, median of $REPS) | wall ms | tasks/s |"
echo "|---|---|---|"
for tool in xargs parallel hsm; do
  ms=${results[$tool]}
  echo "| $tool | $ms | $(( N * 1000 / (ms > 0 ? ms : 1) )) |"
done
echo
awk -v x="$x" -v p="$p" -v h="$h" 'BEGIN { printf "hsm throughput = %.2fx GNU parallel; hsm wall time = %.2fx the xargs floor\n", p / h, h / x }'
