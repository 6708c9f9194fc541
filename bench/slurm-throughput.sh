#!/usr/bin/env bash
# A sweep of N tasks (default 1000, each `true`) on Slurm, side by side in the same run: one
# `sbatch` per task, one plain `sbatch --array`, and `hsm run` with hsm's arrays; every scheduler
# command each issues is counted (PATH shims log each call of sbatch/squeue/sacct/scancel/scontrol).
# The two baselines are waited for as a client script would: one squeue per second.
# Targets for hsm: sbatch calls <= ceil(N / MaxArraySize) + 2, at most one squeue per poll round.
# Needs the Slurm of scripts/infra (SLURM_CONF) and holds its test lock shared.
#
#   bash bench/slurm-throughput.sh              # N=1000 PARTITION=debug
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
PARTITION=${PARTITION:-debug}
export SLURM_CONF=${SLURM_CONF:-/tmp/hsm-infra/slurm/etc/slurm.conf}
LOCK=${HSM_TEST_INFRA_DIR:-/tmp/hsm-infra}/slurm-tests.lock
[ -f dist/cli.js ] || npm run --silent build
if [ -z "${HSM_BENCH_LOCKED:-}" ]; then
  HSM_BENCH_LOCKED=1 exec flock --shared "$LOCK" "$0" "$@"
fi

work=$(mktemp -d "${BENCH_DIR:-/tmp}/hsm-slurmtp-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/shims" "$work/project/sweeps"
for p in sbatch squeue sacct scancel scontrol; do
  real=$(command -v "$p")
  printf '#!/bin/sh\necho %s >> "$HSM_BENCH_CALLS"\nexec %s "$@"\n' "$p" "$real" > "$work/shims/$p"
  chmod +x "$work/shims/$p"
done
export PATH="$work/shims:$PATH"
count() { grep -c "^$2\$" "$1" 2>/dev/null || true; }
now() { date +%s%N; }
wait_name() { while [ -n "$(squeue --noheader --name="$1" --format=%i)" ]; do sleep 1; done; }

# 1. one sbatch per task
export HSM_BENCH_CALLS=$work/calls-per-task
name="hsm-bench-each-$$"
t0=$(now)
for i in $(seq 1 "$N"); do
  sbatch --parsable --quiet --partition="$PARTITION" --time=00:05:00 --job-name="$name" --output=/dev/null --wrap true >/dev/null
done
wait_name "$name"
each_ms=$((($(now) - t0) / 1000000))

# 2. one plain array
export HSM_BENCH_CALLS=$work/calls-array
name="hsm-bench-array-$$"
t0=$(now)
sbatch --parsable --partition="$PARTITION" --time=00:05:00 --job-name="$name" --array="0-$((N - 1))" \
  --output=/dev/null --wrap true >/dev/null
wait_name "$name"
array_ms=$((($(now) - t0) / 1000000))

# 3. hsm
export HSM_BENCH_CALLS=$work/calls-hsm
{
  echo "name: tp"
  echo 'command: ["true", "{i}"]'
  echo "args: none"
  echo "sweep:"
  echo "  grid:"
  printf '    i: ['; seq -s, 1 "$N" | tr -d '\n'; echo ']'
} > "$work/project/sweeps/sweep.yaml"
cat > "$work/project/hsm_config.yaml" <<YAML
defaults: {output_dir: $work/outputs}
sources:
  cluster: {type: slurm, partition: $PARTITION, time: "00:05:00"}
YAML
t0=$(now)
(cd "$work/project" && node "$OLDPWD/bin/hsm.js" run --source cluster --sweep-id tp >/dev/null 2>&1)
hsm_ms=$((($(now) - t0) / 1000000))
export HSM_BENCH_CALLS=/dev/null
done_n=$(cd "$work/project" && node "$OLDPWD/bin/hsm.js" status tp --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).counts.completed))')
[ "$done_n" = "$N" ] || { echo "hsm completed $done_n of $N tasks" >&2; exit 1; }
export HSM_BENCH_CALLS=/dev/null # the script's own calls below are not counted
max=$(scontrol show config | awk -F'= ' '/^MaxArraySize/ {print $2}')

echo "N=$N tasks, Slurm partition $PARTITION ($(sinfo --noheader --partition="$PARTITION" --format=%D) nodes), MaxArraySize $max, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %9s %7s %7s %7s %8s %9s\n' "" "wall ms" sbatch squeue sacct scontrol "tasks/s"
row() {
  printf '%-22s %9s %7s %7s %7s %8s %9s\n' "$1" "$2" "$(count "$3" sbatch)" "$(count "$3" squeue)" \
    "$(count "$3" sacct)" "$(count "$3" scontrol)" "$(awk -v n="$N" -v ms="$2" 'BEGIN { printf "%.1f", n / (ms / 1000) }')"
}
row "one sbatch per task" "$each_ms" "$work/calls-per-task"
row "one plain array" "$array_ms" "$work/calls-array"
row "hsm arrays" "$hsm_ms" "$work/calls-hsm"
limit=$(((N + max - 1) / max + 2))
echo "hsm sbatch calls: $(count "$work/calls-hsm" sbatch) (target <= $limit); one squeue per poll round by construction (the source's only status call)"
