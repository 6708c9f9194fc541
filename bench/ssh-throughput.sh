#!/usr/bin/env bash
# Short tasks over ssh hosts: N tasks (default 300) that each write a one-line result, on 3 hosts
# with SLOTS tasks at once per host, through `hsm run` (results collected into tasks/task_NNN/) and,
# side by side in the same run, GNU parallel --sshlogin with -M (connection reuse) and --joblog
# (each task's output comes back over its ssh session). Needs the test hosts of scripts/infra
# (HSM_TEST_SSH_CONFIG) or any three hosts reachable with the given ssh config.
#
#   bash bench/ssh-throughput.sh                        # N=300 SLOTS=4 REPS=3 HOSTS=node17,node18,node19
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-300}
SLOTS=${SLOTS:-4}
REPS=${REPS:-3}
HOSTS=${HOSTS:-node17,node18,node19}
CFG=${HSM_TEST_SSH_CONFIG:-/tmp/hsm-infra/ssh/ssh_config}
HSM="node $PWD/bin/hsm.js"
[ -f dist/cli.js ] || npm run --silent build
command -v parallel >/dev/null || { echo "GNU parallel is missing: apt-get install parallel" >&2; exit 2; }

work=$(mktemp -d "${BENCH_DIR:-/tmp}/hsm-sshbench-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project/sweeps"
{
  echo "name: sshbench"
  echo 'command: ["sh", "-c", "echo result {i} > \"$HSM_TASK_DIR/result.txt\""]'
  echo "args: none"
  echo "sweep:"
  echo "  grid:"
  printf '    i: ['; seq -s, 1 "$N" | tr -d '\n'; echo ']'
} > "$work/project/sweeps/sweep.yaml"
{
  echo "defaults: {output_dir: $work/outputs}"
  echo "sources:"
  for h in ${HOSTS//,/ }; do echo "  b$h: {type: ssh, host: $h, workdir: ~/hsm/sshbench, max_parallel: $SLOTS}"; done
} > "$work/project/hsm_config.yaml"
sources=$(echo "$HOSTS" | sed 's/\([^,]*\)/b\1/g')
logins=$(echo "$HOSTS" | sed "s/\([^,]*\)/$SLOTS\/\1/g")

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# the project is pushed once (not timed): both tools then start from warm ssh masters
for s in ${sources//,/ }; do (cd "$work/project" && $HSM sync push "$s" --ssh-config "$CFG" >/dev/null); done

load0=$(cut -d' ' -f1-3 /proc/loadavg)
hsm_ms=() par_ms=()
for r in $(seq "$REPS"); do
  t0=$(now)
  (cd "$work/project" && $HSM run --source "$sources" --sweep-id "run$r" --ssh-config "$CFG" >/dev/null 2>&1)
  t1=$(now)
  got=$(cat "$work"/outputs/run$r/tasks/*/result.txt | wc -l)
  [ "$got" = "$N" ] || { echo "hsm collected $got of $N results" >&2; exit 1; }
  hsm_ms+=($(((t1 - t0) / 1000000)))

  t0=$(now)
  seq 1 "$N" | parallel -M --ssh "ssh -F $CFG" --sshlogin "$logins" --joblog "$work/joblog$r" \
    'echo result {}' > "$work/parallel$r.out"
  t1=$(now)
  got=$(wc -l < "$work/parallel$r.out")
  [ "$got" = "$N" ] || { echo "parallel returned $got of $N results" >&2; exit 1; }
  par_ms+=($(((t1 - t0) / 1000000)))
done
h=$(printf '%s\n' "${hsm_ms[@]}" | median)
p=$(printf '%s\n' "${par_ms[@]}" | median)
echo "load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
echo "| $N tasks, 3 hosts x $SLOTS | median wall (ms) | tasks/s | runs (ms) |"
echo "|---|---|---|---|"
echo "| hsm run (results collected) | $h | $(awk "BEGIN {printf \"%.0f\", $N * 1000 / $h}") | ${hsm_ms[*]} |"
echo "| GNU parallel --sshlogin -M --joblog | $p | $(awk "BEGIN {printf \"%.0f\", $N * 1000 / $p}") | ${par_ms[*]} |"
echo "hsm / parallel throughput: $(awk "BEGIN {printf \"%.2f\", $p / $h}")x"
