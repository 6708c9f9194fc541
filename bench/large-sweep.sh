#!/usr/bin/env bash
# A 100,000-task sweep: time to create it (`hsm run` up to the first task), `hsm status --json` on it
# while it runs and after, and the peak memory (max RSS) of the `hsm run` process over the whole run.
#
#   bash bench/large-sweep.sh            # N=100000, JOBS=2
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
JOBS=${JOBS:-2}
HSM="node $PWD/bin/hsm.js"
[ -f dist/cli.js ] || npm run --silent build

work=$(mktemp -d "${BENCH_DIR:-/tmp}/hsm-bench-large-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sweeps"
cat > "$work/sweeps/sweep.yaml" <<YAML
name: large
command: "true"
args: hydra
sweep:
  grid:
    a: [$(seq -s, 1 $((N / 100)))]
    b: [$(seq -s, 1 100)]
YAML
echo "defaults: {output_dir: $work/outputs}" > "$work/hsm_config.yaml"
cd "$work"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

t0=$(date +%s%N)
$HSM run --count-only --yes >/dev/null
count_ms=$(ms "$t0")

t0=$(date +%s%N)
/usr/bin/time -f '%M' -o "$work/rss" $HSM run --jobs "$JOBS" --yes --sweep-id large_1 --json > /dev/null 2>"$work/run.err" &
pid=$!
until [ -f outputs/large_1/sweep.db ]; do sleep 0.05; done
create_ms=$(ms "$t0")
sleep 2
t1=$(date +%s%N); $HSM status large_1 --json > "$work/status-running.json"; status_running_ms=$(ms "$t1")
wait "$pid" || true
total_ms=$(ms "$t0")
t1=$(date +%s%N); $HSM status large_1 --json > "$work/status-done.json"; status_done_ms=$(ms "$t1")
completed=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).counts.completed)' "$work/status-done.json")
rss_kb=$(tail -1 "$work/rss")

echo "| measure ($N tasks of \`true\`, $JOBS jobs) | value |"
echo "|---|---|"
echo "| \`hsm run --count-only\` | $count_ms ms |"
echo "| sweep created (start of \`hsm run\` to sweep.db in place) | $create_ms ms |"
echo "| \`hsm status --json\` while running | $status_running_ms ms |"
echo "| \`hsm status --json\` after the run | $status_done_ms ms |"
echo "| whole run | $total_ms ms ($completed completed) |"
echo "| peak memory of \`hsm run\` (max RSS) | $((rss_kb / 1024)) MB |"
