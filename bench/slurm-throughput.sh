#!/usr/bin/env bash
# N short tasks (default 1000; each writes a one-line result) on the Slurm of scripts/infra, side by
# side in one run: one `sbatch` per task, one plain `sbatch --array` (split under MaxArraySize),
# `hsm run` with hsm's arrays (one task per element) and `hsm run` with `tasks_per_job: P` (default:
# one element per CPU of the partition). The same task, no throttle anywhere; every result checked.
# Every scheduler command each issues is counted (PATH shims log each call); the baselines are
# waited for with one squeue every 0.25 s, as a client script would.
# Targets for hsm: sbatch calls <= ceil(N / MaxArraySize) + 2, at most one squeue per poll round
# (rounds are at least 1 s apart: squeue calls <= wall seconds + 1); packing >= 10x the plain
# array's throughput. Holds the Slurm test lock shared; bounded by BENCH_TIMEOUT_S (default 1800);
# cancels its jobs and removes its files however it ends.
#
#   bash bench/slurm-throughput.sh              # N=1000 PARTITION=debug (P: ceil(N / CPUs))
#   N=200 bash bench/slurm-throughput.sh        # a smaller run
source "$(dirname "$0")/slurm-lib.sh"
N=${N:-1000}
P=${P:-$(((N + $(partition_cpus) - 1) / $(partition_cpus)))}
write_sweep "$N"
write_config arrays "" packed "tasks_per_job: $P"

# 1. one sbatch per task
export HSM_BENCH_CALLS=$work/calls-each
name="hsm-bench-each-$$"
bench_names+=("$name")
mkdir -p "$work/each"
t0=$(now_ms)
for i in $(seq 1 "$N"); do
  sbatch_retry --parsable --quiet --partition="$PARTITION" --time=00:10:00 --job-name="$name" --output=/dev/null \
    --wrap "echo result $i > $work/each/$i" >/dev/null
done
wait_name "$name"
each_ms=$(($(now_ms) - t0))
got=$(find "$work/each" -type f | wc -l)
[ "$got" = "$N" ] || { echo "one sbatch per task wrote $got of $N results" >&2; exit 1; }

# 2. one plain array
export HSM_BENCH_CALLS=$work/calls-array
plain_array "$N" "hsm-bench-array-$$"
array_ms=$run_ms

# 3. and 4. hsm
export HSM_BENCH_CALLS=$work/calls-arrays
hsm_run arrays "arrays-$$" "$N"
arrays_ms=$run_ms
export HSM_BENCH_CALLS=$work/calls-packed
hsm_run packed "packed-$$" "$N"
packed_ms=$run_ms
export HSM_BENCH_CALLS=/dev/null # the script's own calls below are not counted

max=$(max_array_size)
echo "N=$N tasks, $(machine_line)"
printf '%-26s %9s %7s %7s %7s %8s %9s\n' "" "wall ms" sbatch squeue sacct scontrol "tasks/s"
row() {
  printf '%-26s %9s %7s %7s %7s %8s %9s\n' "$1" "$2" "$(count "$3" sbatch)" "$(count "$3" squeue)" \
    "$(count "$3" sacct)" "$(count "$3" scontrol)" "$(rate "$N" "$2")"
}
row "one sbatch per task" "$each_ms" "$work/calls-each"
row "one plain array" "$array_ms" "$work/calls-array"
row "hsm arrays" "$arrays_ms" "$work/calls-arrays"
row "hsm tasks_per_job: $P" "$packed_ms" "$work/calls-packed"
limit=$(((N + max - 1) / max + 2))
for s in arrays packed; do
  eval "ms=\$${s}_ms"
  sb=$(count "$work/calls-$s" sbatch)
  sq=$(count "$work/calls-$s" squeue)
  rounds=$((ms / 1000 + 1))
  echo "hsm $s: sbatch $sb (target <= $limit: $([ "$sb" -le "$limit" ] && echo met || echo MISSED)), squeue $sq in $((ms / 1000)) s (<= $rounds: $([ "$sq" -le "$rounds" ] && echo met || echo MISSED))"
done
echo "hsm packed breakdown: $(breakdown "packed-$$")"
awk -v a="$array_ms" -v b="$packed_ms" 'BEGIN { printf "packing vs the plain array: %.1fx the throughput (target >= 10x)\n", a / b }'
