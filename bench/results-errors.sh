#!/usr/bin/env bash
# `hsm results --json` and `hsm errors --json` on a sweep of N tasks (default 100,000) that reported
# metrics: every task prints two HSM_METRICS lines (the second loss wins). Tasks fail for real: every
# bs=512 task with CUDA out of memory (25%), c > 80 with a Python exception, or with an unrecognised
# error carrying task-specific numbers when a is a multiple of 10 (~40% fail in all). Wall and CPU
# time (user+sys), median of RUNS calls of each.
#
#   bash bench/results-errors.sh            # N=100000, JOBS=2, RUNS=5
#   WORK=/tmp/keep bash bench/results-errors.sh   # keeps the sweep; a second call only measures
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
JOBS=${JOBS:-2}
RUNS=${RUNS:-5}
HSM="node $PWD/bin/hsm.js"
[ -f dist/cli.js ] || npm run --silent build

if [ -n "${WORK:-}" ]; then work=$WORK; else
  work=$(mktemp -d "${BENCH_DIR:-/tmp}/hsm-bench-results-XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/sweeps"
cat > "$work/task.sh" <<'SH'
a=$1 bs=$2 c=$3
echo "HSM_METRICS {\"loss\": 9.$c, \"step\": 1}"
echo "HSM_METRICS {\"loss\": $a.$c, \"acc\": 0.$a$c}"
if [ "$bs" = 512 ]; then echo "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate $c.00 MiB" >&2; exit 1; fi
[ "$c" -le 80 ] && exit 0
if [ $((a % 10)) -eq 0 ]; then echo "worker $a$c: sync lost at step $c$a" >&2
else printf 'Traceback (most recent call last):\n  File "t.py", line 3\nValueError: bad value %s\n' "$c" >&2
fi
exit 1
SH
cat > "$work/sweeps/sweep.yaml" <<YAML
name: bench
command: ["sh", "$work/task.sh", "{a}", "{bs}", "{c}"]
args: none
metric: {name: loss, goal: min}
sweep:
  grid:
    a: [$(seq -s, 1 $((N / 400)))]
    bs: [16, 32, 64, 512]
    c: [$(seq -s, 1 100)]
YAML
echo "defaults: {output_dir: $work/outputs}" > "$work/hsm_config.yaml"
cd "$work"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# median wall ms and median CPU ms (user+sys) of RUNS calls of a command writing to $out
measure() {
  local out=$1
  shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" > "$out"
    awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$work/time"
  done | awk '{w[NR]=$1; c[NR]=$2} END {n=asort(w); asort(c); m=int((n+1)/2); printf "%d ms (CPU %d ms)", w[m], c[m]}'
}

run_ms=skipped
if [ ! -d outputs/bench_1 ]; then
  t0=$(date +%s%N)
  $HSM run --jobs "$JOBS" --yes --sweep-id bench_1 --json > /dev/null 2>"$work/run.err" || true
  run_ms="$(ms "$t0") ms"
fi

results=$(measure "$work/results.json" $HSM results bench_1 --json)
sorted=$(measure /dev/null $HSM results bench_1 --json --sort loss --where 'c>10, bs!=512')
errors=$(measure "$work/errors.json" $HSM errors bench_1 --json)
version=$(measure /dev/null $HSM --version)
summary=$(node -e '
const fs = require("fs");
const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const e = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const withMetrics = r.tasks.filter((t) => t.metrics).length;
console.log(`${r.tasks.length} tasks (${withMetrics} with metrics, best ${r.best && r.best.task}); ${e.failed} failed in ${e.groups.length} groups: ` +
  e.groups.map((g) => `${g.count} ${g.category} ${JSON.stringify(g.shared)}`).join(", ") +
  `; JSON ${(fs.statSync(process.argv[1]).size / 1e6).toFixed(1)} MB / ${(fs.statSync(process.argv[2]).size / 1e6).toFixed(1)} MB`);
' "$work/results.json" "$work/errors.json")

echo "$summary"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| measure ($N tasks, median of $RUNS) | value |"
echo "|---|---|"
echo "| whole run (\`hsm run --jobs $JOBS\`) | $run_ms |"
echo "| \`hsm --version\` (Node start-up) | $version |"
echo "| \`hsm results --json\` | $results |"
echo "| \`hsm results --json --sort loss --where 'c>10, bs!=512'\` | $sorted |"
echo "| \`hsm errors --json\` | $errors |"
