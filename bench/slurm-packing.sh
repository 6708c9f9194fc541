#!/usr/bin/env bash
# Short tasks on Slurm, side by side in the same run: N tasks (default 200) that each write one
# line, as one plain job array (`sbatch --array`, waited for with squeue), as `hsm run` with hsm's
# arrays (one task per element) and as `hsm run` with `tasks_per_job: P` (default 25: P tasks per
# allocation). Needs the Slurm of scripts/infra (SLURM_CONF) and holds its test lock shared.
#
#   bash bench/slurm-packing.sh                 # N=200 P=25 PARTITION=debug
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
P=${P:-25}
PARTITION=${PARTITION:-debug}
export SLURM_CONF=${SLURM_CONF:-/tmp/hsm-infra/slurm/etc/slurm.conf}
LOCK=${HSM_TEST_INFRA_DIR:-/tmp/hsm-infra}/slurm-tests.lock
HSM="node $PWD/bin/hsm.js"
[ -f dist/cli.js ] || npm run --silent build
if [ -z "${HSM_BENCH_LOCKED:-}" ]; then
  HSM_BENCH_LOCKED=1 exec flock --shared "$LOCK" "$0" "$@"
fi

# the work directory is read by the jobs on the nodes: it must be on the filesystem they share
work=$(mktemp -d "${BENCH_DIR:-/tmp}/hsm-slurmpack-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project/sweeps" "$work/plain"
{
  echo "name: pack"
  echo 'command: ["sh", "-c", "echo result {i} > \"$HSM_TASK_DIR/result.txt\""]'
  echo "args: none"
  echo "sweep:"
  echo "  grid:"
  printf '    i: ['; seq -s, 1 "$N" | tr -d '\n'; echo ']'
} > "$work/project/sweeps/sweep.yaml"
cat > "$work/project/hsm_config.yaml" <<YAML
defaults: {output_dir: $work/outputs}
sources:
  arrays: {type: slurm, partition: $PARTITION, time: "00:05:00"}
  packed: {type: slurm, partition: $PARTITION, time: "00:05:00", tasks_per_job: $P}
YAML

now() { date +%s%N; }
name="hsm-bench-plain-$$"
t0=$(now)
sbatch --parsable --partition="$PARTITION" --time=00:05:00 --job-name="$name" --array="0-$((N - 1))" \
  --output=/dev/null --wrap "echo result \$SLURM_ARRAY_TASK_ID > $work/plain/\$SLURM_ARRAY_TASK_ID" >/dev/null
while [ -n "$(squeue --noheader --name="$name" --format=%i)" ]; do sleep 0.2; done
t1=$(now)
plain_ms=$(((t1 - t0) / 1000000))
got=$(ls "$work/plain" | wc -l)
[ "$got" = "$N" ] || { echo "the plain array wrote $got of $N results" >&2; exit 1; }

for s in arrays packed; do
  t0=$(now)
  (cd "$work/project" && $HSM run --source "$s" --sweep-id "$s" >/dev/null 2>&1)
  t1=$(now)
  got=$(cat "$work"/outputs/$s/tasks/*/result.txt | wc -l)
  [ "$got" = "$N" ] || { echo "hsm ($s) wrote $got of $N results" >&2; exit 1; }
  eval "${s}_ms=$(((t1 - t0) / 1000000))"
done

rate() { awk -v n="$N" -v ms="$1" 'BEGIN { printf "%.1f", n / (ms / 1000) }'; }
echo "N=$N short tasks, Slurm partition $PARTITION ($(sinfo --noheader --partition="$PARTITION" --format=%D) nodes), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %8s ms  %6s tasks/s\n' "plain sbatch --array" "$plain_ms" "$(rate "$plain_ms")"
printf '%-34s %8s ms  %6s tasks/s\n' "hsm arrays (1 task per element)" "$arrays_ms" "$(rate "$arrays_ms")"
printf '%-34s %8s ms  %6s tasks/s\n' "hsm tasks_per_job: $P" "$packed_ms" "$(rate "$packed_ms")"
awk -v a="$plain_ms" -v b="$packed_ms" 'BEGIN { printf "packing vs the plain array: %.1fx the throughput\n", a / b }'
