#!/usr/bin/env bash
# Where the time of a packed sweep goes: N short tasks (default 200; each writes a one-line result)
# as one plain array, then as `hsm run` with `tasks_per_job` P for each P in PS (default: one
# element per CPU of the partition, and 25), each with its breakdown: start (node, sweep
# directory, tasks planned), handover (task directories, command.sh, job script), sbatch, Slurm's
# start of the elements, the tasks (first start -> last exit record), seen (-> the run is finished),
# exit (-> hsm has exited).
# Holds the Slurm test lock shared; bounded by BENCH_TIMEOUT_S; cleans up however it ends.
#
#   bash bench/slurm-packing.sh                 # N=200 PS="<ceil(N/CPUs)> 25" PARTITION=debug
#   N=1000 PS="167 100" bash bench/slurm-packing.sh
source "$(dirname "$0")/slurm-lib.sh"
N=${N:-200}
PS=${PS:-"$(((N + $(partition_cpus) - 1) / $(partition_cpus))) 25"}
write_sweep "$N"
args=()
for p in $PS; do args+=("p$p" "tasks_per_job: $p"); done
write_config "${args[@]}"

plain_array "$N" "hsm-bench-plain-$$"
plain_ms=$run_ms
echo "N=$N short tasks, $(machine_line)"
printf '%-30s %8s ms  %6s tasks/s\n' "plain sbatch --array" "$plain_ms" "$(rate "$N" "$plain_ms")"
for p in $PS; do
  hsm_run "p$p" "p$p-$$" "$N"
  printf '%-30s %8s ms  %6s tasks/s  %5.1fx the plain array; %s\n' "hsm tasks_per_job: $p" "$run_ms" \
    "$(rate "$N" "$run_ms")" "$(awk -v a="$plain_ms" -v b="$run_ms" 'BEGIN { print a / b }')" "$(breakdown "p$p-$$")"
done
