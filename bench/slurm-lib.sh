# Shared by bench/slurm-*.sh (sourced, bash): the Slurm of scripts/infra, its test lock held
# shared for the whole run, a work directory on the filesystem the nodes share, every job of the
# run cancelled and the directory removed however the script ends, a deadline on every wait
# (BENCH_TIMEOUT_S, default 1800), and the sweep, count and timing helpers.
set -euo pipefail
bench_script=$(realpath "$0")
cd "$(dirname "$bench_script")/.."
PARTITION=${PARTITION:-debug}
export SLURM_CONF=${SLURM_CONF:-/tmp/hsm-infra/slurm/etc/slurm.conf}
BENCH_TIMEOUT_S=${BENCH_TIMEOUT_S:-1800}
HSM="node $PWD/bin/hsm.js"
[ -f dist/cli.js ] || npm run --silent build
# held by this shell itself (a signal to it ends the run and its cleanup), released when it exits
exec 9>>"${HSM_TEST_INFRA_DIR:-/tmp/hsm-infra}/slurm-tests.lock"
flock --shared 9
bench_deadline=$(($(date +%s) + BENCH_TIMEOUT_S))

# the work directory is read by the jobs on the nodes: it must be on the filesystem they share
work=$(mktemp -d "${BENCH_DIR:-/tmp}/hsm-$(basename "$bench_script" .sh)-XXXXXX")
bench_names=()
bench_child=
bench_cleanup() {
  if [ -n "$bench_child" ]; then
    # hsm cancels its jobs and records how its tasks ended; a minute at most
    kill -TERM "$bench_child" 2>/dev/null || true
    for _ in $(seq 1 240); do kill -0 "$bench_child" 2>/dev/null || break; sleep 0.25; done
    pkill -KILL -P "$bench_child" 2>/dev/null || true
    kill -KILL "$bench_child" 2>/dev/null || true
  fi
  for n in "${bench_names[@]}"; do HSM_BENCH_CALLS=/dev/null scancel --name="$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/shims" "$work/project/sweeps"
export HSM_BENCH_CALLS=/dev/null

# PATH shims that log each call of a scheduler command to $HSM_BENCH_CALLS, then run it
for p in sbatch squeue sacct scancel scontrol; do
  real=$(command -v "$p")
  printf '#!/bin/sh\necho %s >> "$HSM_BENCH_CALLS"\nexec %s "$@"\n' "$p" "$real" >"$work/shims/$p"
  chmod +x "$work/shims/$p"
done
export PATH="$work/shims:$PATH"

# sbatch, tried again (3 times, 1 s apart) when the controller is briefly busy (socket timeouts
# under a burst of submissions), so that an unattended run does not stop at the 700th task
sbatch_retry() {
  local try
  for try in 1 2 3; do
    sbatch "$@" && return 0
    [ "$try" = 3 ] || sleep 1
  done
  return 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
count() { grep -c "^$2\$" "$1" 2>/dev/null || true; } # FILE PROGRAM
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.1f", n / (ms / 1000) }'; } # N MS
left_s() { echo $((bench_deadline - $(date +%s))); }
# (the script's own scheduler calls are not counted)
max_array_size() { HSM_BENCH_CALLS=/dev/null scontrol show config | awk -F'= ' '/^MaxArraySize/ {print $2}'; }
partition_cpus() { sinfo --noheader --partition="$PARTITION" --format=%C | cut -d/ -f4; }
machine_line() {
  echo "Slurm partition $PARTITION ($(sinfo --noheader --partition="$PARTITION" --format=%D) nodes, $(partition_cpus) CPUs), MaxArraySize $(max_array_size), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Waits (one squeue every 0.25 s, as a client script would) until no job of this name is queued.
wait_name() {
  while [ -n "$(squeue --noheader --name="$1" --format=%i)" ]; do
    [ "$(left_s)" -gt 0 ] || { echo "jobs named $1 still queued after ${BENCH_TIMEOUT_S}s" >&2; exit 1; }
    sleep 0.25
  done
}

# The same short task everywhere: one line written to a file. A sweep file of N such tasks.
write_sweep() { # N
  {
    echo "name: bench"
    echo 'command: ["sh", "-c", "echo result {i} > \"$HSM_TASK_DIR/result.txt\""]'
    echo "args: none"
    echo "sweep:"
    echo "  grid:"
    printf '    i: ['
    seq -s, 1 "$1" | tr -d '\n'
    echo ']'
  } >"$work/project/sweeps/sweep.yaml"
}

# The project's sources: NAME -> extra fields, e.g. `packed "tasks_per_job: 167"`.
write_config() { # NAME FIELDS [NAME FIELDS...]
  {
    echo "defaults: {output_dir: $work/outputs}"
    echo "sources:"
    while [ $# -ge 2 ]; do
      echo "  $1: {type: slurm, partition: $PARTITION, time: \"00:10:00\"${2:+, $2}}"
      shift 2
    done
  } >"$work/project/hsm_config.yaml"
}

# One plain array of N elements (split under MaxArraySize as a user would), each writing its
# result, waited for; sets run_ms (wall time) and checks every result is there.
plain_array() { # N NAME
  local n=$1 name=$2 max from t0 got
  max=$(max_array_size)
  bench_names+=("$name")
  mkdir -p "$work/plain-$name"
  t0=$(now_ms)
  for ((from = 0; from < n; from += max)); do
    sbatch_retry --parsable --quiet --partition="$PARTITION" --time=00:10:00 --job-name="$name" \
      --array="0-$((n - from > max ? max - 1 : n - from - 1))" --output=/dev/null \
      --wrap "echo result \$((SLURM_ARRAY_TASK_ID + $from)) > $work/plain-$name/\$((SLURM_ARRAY_TASK_ID + $from))" >/dev/null
  done
  wait_name "$name"
  run_ms=$(($(now_ms) - t0))
  got=$(find "$work/plain-$name" -type f | wc -l)
  [ "$got" = "$n" ] || { echo "the plain array wrote $got of $n results" >&2; exit 1; }
}

# `hsm run` of the sweep on SOURCE as sweep ID (bounded by the deadline); sets run_ms (wall time)
# and checks that every task completed and wrote its result.
hsm_run() { # SOURCE ID N
  local t0 got
  bench_names+=("hsm-$2")
  t0=$(now_ms)
  # in the background, waited for: a signal to this script is handled at once (and passed on to
  # hsm by the cleanup), not after hsm ends
  (cd "$work/project" && exec timeout --signal=TERM "$(left_s)" $HSM run --source "$1" --sweep-id "$2" \
    >"$work/$2.out" 2>&1) &
  bench_child=$!
  wait "$bench_child" || { echo "hsm run ($1) failed:" >&2; tail -5 "$work/$2.out" >&2; exit 1; }
  bench_child=
  run_ms=$(($(now_ms) - t0))
  echo "$t0 $run_ms" >"$work/$2.clock"
  got=$(cat "$work"/outputs/"$2"/tasks/*/result.txt | wc -l)
  [ "$got" = "$3" ] || { echo "hsm ($1) wrote $got of $3 results" >&2; exit 1; }
}

# Where the time of an hsm run went, from its sweep log and the runner's records (ms):
# start (node, sweep directory, every task planned), handover (task directories, command.sh files,
# the job script), submit (sbatch) -> first task started (Slurm's start of the elements), tasks
# (first start -> last exit record), seen (-> the run is finished), exit (-> hsm has exited).
breakdown() { # ID
  local sweep="$work/outputs/$1" t0 ms
  read -r t0 ms <"$work/$1.clock"
  node -e '
    const fs = require("fs"), path = require("path");
    const [dir, t0, ms] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
    const log = fs.readFileSync(path.join(dir, "logs", "sweep.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const at = (e) => Date.parse(e.time);
    const start = at(log.find((e) => e.event === "run:start"));
    const sb = log.find((e) => e.command === "sbatch");
    const sbatchStart = at(sb) - sb.ms, sbatchEnd = at(sb);
    let first = Infinity, last = 0;
    for (const t of fs.readdirSync(path.join(dir, "tasks"))) {
      first = Math.min(first, fs.statSync(path.join(dir, "tasks", t, "started")).mtimeMs);
      last = Math.max(last, fs.statSync(path.join(dir, "tasks", t, "exit")).mtimeMs);
    }
    const finished = at(log.find((e) => e.event === "run:finished"));
    const parts = [
      ["start", start - t0], ["handover", sbatchStart - start], ["sbatch", sbatchEnd - sbatchStart],
      ["slurm start", first - sbatchEnd], ["tasks", last - first], ["seen", finished - last],
      ["exit", t0 + ms - finished],
    ];
    console.log(parts.map(([k, v]) => `${k} ${Math.round(v)}`).join(", ") + " ms");
  ' "$sweep" "$t0" "$ms"
}
