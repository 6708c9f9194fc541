#!/usr/bin/env bash
# hsm's arrays (one task per element) against one plain `sbatch --array` of the same N short tasks
# (default 200), REPS times (default 3) in turn, on the Slurm of scripts/infra: the wall time of
# each, and hsm's over the plain array's (the median of the ratios of each round: runs side by side
# see the same load). Holds the Slurm test lock shared; bounded by BENCH_TIMEOUT_S; cleans up
# however it ends.
#
#   bash bench/slurm-arrays.sh               # N=200 REPS=3 PARTITION=debug
#   N=1000 REPS=1 bash bench/slurm-arrays.sh
source "$(dirname "$0")/slurm-lib.sh"
N=${N:-200}
REPS=${REPS:-3}
write_sweep "$N"
write_config arrays ""
ratios=()
echo "N=$N tasks, $(machine_line)"
for r in $(seq 1 "$REPS"); do
  # in turn which goes first: the one after may find the cluster still busy with the other's end
  if [ $((r % 2)) = 1 ]; then
    plain_array "$N" "hsm-bench-plain-$r-$$"
    plain_ms=$run_ms
    hsm_run arrays "arrays-$r-$$" "$N"
  else
    hsm_run arrays "arrays-$r-$$" "$N"
    hsm_ms=$run_ms
    plain_array "$N" "hsm-bench-plain-$r-$$"
    plain_ms=$run_ms
    run_ms=$hsm_ms
  fi
  ratio=$(awk -v a="$run_ms" -v b="$plain_ms" 'BEGIN { printf "%.3f", a / b }')
  ratios+=("$ratio")
  echo "round $r: plain array $plain_ms ms, hsm arrays $run_ms ms: ${ratio}x ($(breakdown "arrays-$r-$$"))"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "hsm arrays / plain array, median of %d rounds: %.3fx\n", NR, a[int((NR + 1) / 2)] }'
