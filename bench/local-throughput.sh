#!/usr/bin/env bash
# Starting many short tasks: N tasks of `true`, 2 at a time, through `hsm run --jobs 2` and, in the same
# run, GNU parallel with the same bookkeeping (--joblog --results) and xargs -P2 (the floor: one
# fork+exec a task, no bookkeeping), on tmpfs (/dev/shm) and on disk (/tmp), in one run. The three
# tools take turns within each repetition, so a machine whose load changes affects them alike.
# Prints, per place, the median wall time of each tool over REPS, hsm's CPU (its own process and
# its runners + tasks), and the two ratios against their targets.
#
#   bash bench/local-throughput.sh                  # N=1000 REPS=5, tmpfs and disk
#   N=1000 REPS=7 PLACES="/dev/shm /tmp" bash bench/local-throughput.sh
#
# Each repetition writes into new directories, all removed at the end: on an ext4 volume without a
# journal (this test machine's) the inode allocator passes over every inode deleted in the last 60 s
# (6 min while its inode table block is dirty) one by one, so files created just after the previous
# repetition's ~9,000 were deleted cost 0.1-0.7 ms each instead of ~0.02 (docs/benchmarks.md).
# DELETE_BETWEEN=1 deletes them before each timed run instead, as this script did until 2026-12-02.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
REPS=${REPS:-5}
PLACES=${PLACES:-/dev/shm /tmp}
ROOT=$PWD
npm run --silent build
command -v parallel >/dev/null || { echo "GNU parallel is missing: apt-get install parallel" >&2; exit 2; }

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# hsm's own CPU (user+sys ms of the node process) goes to $HSM_CPU_FILE; the whole command's CPU
# (node + runners + tasks, all waited for) comes from bash's `times` of the subshell.
cpu_hook=$(mktemp /tmp/hsm-bench-cpu-XXXXXX.mjs)
cat >"$cpu_hook" <<'EOF'
import { appendFileSync } from 'node:fs';
process.on('exit', () => {
  const u = process.cpuUsage();
  appendFileSync(process.env.HSM_CPU_FILE, `${Math.round((u.user + u.system) / 1000)}\n`);
});
EOF

report=$(mktemp /tmp/hsm-bench-report-XXXXXX)
trap 'rm -f "$cpu_hook" "$report"' EXIT

for place in $PLACES; do
  work=$(mktemp -d "$place/hsm-bench-XXXXXX")
  mkdir -p "$work/project/sweeps"
  {
    echo "name: bench"
    echo "command: [\"true\", \"{i}\"]"
    echo "args: none"
    echo "sweep:"
    echo "  grid:"
    printf '    i: ['; seq -s, 1 "$N" | tr -d '\n'; echo ']'
  } >"$work/project/sweeps/sweep.yaml"

  # the same argv as hsm's tasks and GNU parallel's (`true 17`): coreutils' true sets up the locale
  # (~25 more files opened) only when it is given one argument, so a bare `true` is a cheaper task
  run_xargs() { seq "$N" | xargs -P2 -I{} true {}; }
  run_parallel() {
    seq "$N" | parallel -j2 --joblog "$work/par$rep/joblog" --results "$work/par$rep/res" true
  }
  run_hsm() {
    (cd "$work/project" && HSM_CPU_FILE="$work/node.cpu" node --import "$cpu_hook" "$ROOT/bin/hsm.js" run --jobs 2 --json >/dev/null)
  }
  # CPU of the children of a subshell (user+sys ms), from bash's `times`
  child_cpu_ms() {
    times >"$work/times" # a builtin with a redirection runs in this shell: a pipe would fork first
    awk 'NR==2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } } END { printf "%d\n", s * 1000 }' "$work/times"
  }
  for rep in $(seq "$REPS"); do
    # this repetition's own output directories (the earlier ones stay until the end: above)
    if [ -n "${DELETE_BETWEEN:-}" ]; then
      rm -rf "$work"/par* "$work"/outputs*
      out=$work/outputs
    else
      out=$work/outputs$rep
    fi
    echo "defaults: {output_dir: $out}" >"$work/project/hsm_config.yaml"
    for tool in xargs parallel hsm; do
      # whatever was written before is on disk before the clock starts, not timed as dispatch
      mkdir -p "$work/par$rep" && sync
      t0=$(now)
      cpu=$( ( "run_$tool" >/dev/null 2>&1; child_cpu_ms ) )
      t1=$(now)
      echo $(((t1 - t0) / 1000000)) >>"$work/$tool.ms"
      echo "$cpu" >>"$work/$tool.cpu"
    done
    # hsm really ran every task, each with its records
    done_count=$(ls "$out"/*/tasks | grep -c '^task_' || true)
    exits=$(cat "$out"/*/tasks/*/exit | grep -c '^attempt=1 exit=0$' || true)
    [ "$done_count" = "$N" ] && [ "$exits" = "$N" ] || { echo "hsm left $done_count task directories, $exits exit records (of $N)" >&2; exit 1; }
  done
  x=$(median <"$work/xargs.ms"); p=$(median <"$work/parallel.ms"); h=$(median <"$work/hsm.ms")
  xc=$(median <"$work/xargs.cpu"); pc=$(median <"$work/parallel.cpu"); hc=$(median <"$work/hsm.cpu")
  nc=$(median <"$work/node.cpu")
  fs=$(df -PT "$place" | awk 'NR==2 {print $2}')
  {
    echo "### $place ($fs): $N × true, 2 at a time, median of $REPS"
    echo
    echo "| tool | wall ms | tasks/s | CPU ms (all processes) |"
    echo "|---|---|---|---|"
    echo "| xargs -P2 | $x | $((N * 1000 / (x > 0 ? x : 1))) | $xc |"
    echo "| GNU parallel --joblog --results | $p | $((N * 1000 / (p > 0 ? p : 1))) | $pc |"
    echo "| hsm run --jobs 2 | $h | $((N * 1000 / (h > 0 ? h : 1))) | $hc (hsm's node process: $nc) |"
    echo
    awk -v x="$x" -v p="$p" -v h="$h" 'BEGIN {
      a = p / h; b = h / x
      printf "RATIO %s: hsm throughput = %.2fx GNU parallel (target >= 3: %s); hsm wall time = %.2fx xargs (target <= 1.5: %s)\n",
        "'"$place"'", a, (a >= 3 ? "met" : "MISSED"), b, (b <= 1.5 ? "met" : "MISSED")
    }'
    echo
  } >>"$report"
  rm -rf "$work"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$report"
cat "$report"
