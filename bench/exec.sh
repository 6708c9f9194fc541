#!/usr/bin/env bash
# Benchmark: `hsm exec` vs `pdsh -R ssh` vs `clush` running one command on the sshd test hosts of
# scripts/infra/up.sh (16 netns hosts by default). Cold = no shared connection exists (fresh
# ControlPath); warm = master connections already open (hsm keeps them with ControlPersist; pdsh
# and clush do not share connections by default, so they are also measured with the same
# ControlMaster options passed to their ssh). Median of REPS runs, wall time of the whole command.
#   usage: bench/exec.sh [REPS=7] [COMMAND=true]      (root; run `npm run build` and up.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-7}
CMD=${2:-true}
set -a; . ./.test-infra.env; set +a
CFG=$HSM_TEST_SSH_CONFIG
N=$(tr ',' '\n' <<< "$HSM_TEST_SSH_HOSTS" | wc -l)
WSET="node[1-$N]"
WORK=$(mktemp -d /tmp/hsm-bench.XXXX)
trap 'for s in "$WORK"/*/cm-*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit x >/dev/null 2>&1; done; rm -rf "$WORK"' EXIT

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f", m}'; }
# run NAME SETUP-FUNCTION COMMAND... : REPS timed runs (ms), setup before each run (not timed)
time_runs() {
  local name=$1 setup=$2; shift 2
  local i t out=()
  for ((i = 0; i < REPS; i++)); do
    $setup "$i"
    t=$(now); "$@" >/dev/null 2>"$WORK/err" || { echo "$name failed:" >&2; cat "$WORK/err" >&2; exit 1; }
    out+=($((($(now) - t) / 1000000)))
  done
  printf '%s\n' "${out[@]}" | median
}

# each cold run gets a fresh control directory, so no master exists yet
CP=
fresh_cp() { mkdir -p "$WORK/cold$1"; CP="$WORK/cold$1/cm-%C"; }
keep_cp() { CP="$WORK/warm/cm-%C"; }
mkdir -p "$WORK/warm"
MUX=(-o ControlMaster=auto -o ControlPersist=60)

hsm_run() { node bin/hsm.js exec --ssh-config "$CFG" --ssh-option "ControlPath=$CP" -w "$WSET" "$CMD"; }
hsm_nomux() { node bin/hsm.js exec --ssh-config "$CFG" --ssh-option ControlMaster=no -w "$WSET" "$CMD"; }
pdsh_plain() { PDSH_SSH_ARGS_APPEND="-F $CFG" pdsh -R ssh -f 32 -w "$WSET" "$CMD"; }
pdsh_mux() { PDSH_SSH_ARGS_APPEND="-F $CFG ${MUX[*]} -o ControlPath=$CP" pdsh -R ssh -f 32 -w "$WSET" "$CMD"; }
clush_plain() { clush -o "-F $CFG" -f 32 -w "$WSET" -b "$CMD"; }
clush_mux() { clush -o "-F $CFG ${MUX[*]} -o ControlPath=${CP//%/%%}" -f 32 -w "$WSET" -b "$CMD"; }
warm_up() { keep_cp; "$@" >/dev/null 2>&1; }

echo "hosts: $N ($WSET), command: $CMD, repetitions: $REPS, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
hsm_cold=$(time_runs "hsm cold" fresh_cp hsm_run)
hsm_nomux_cold=$(time_runs "hsm ControlMaster=no" fresh_cp hsm_nomux)
pdsh_cold=$(time_runs "pdsh cold" fresh_cp pdsh_plain)
clush_cold=$(time_runs "clush cold" fresh_cp clush_plain)
keep_cp; hsm_run >/dev/null 2>&1
hsm_warm=$(time_runs "hsm warm" keep_cp hsm_run)
mkdir -p "$WORK/warm2"; CPW2="$WORK/warm2/cm-%C"
pdsh_warm=$(time_runs "pdsh warm" keep_cp pdsh_plain)
clush_warm=$(time_runs "clush warm" keep_cp clush_plain)
keep2() { CP="$CPW2"; }
keep2; pdsh_mux >/dev/null 2>&1
pdsh_mux_warm=$(time_runs "pdsh+ControlMaster warm" keep2 pdsh_mux)
clush_mux_warm=$(time_runs "clush+ControlMaster warm" keep2 clush_mux)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cat <<EOF2
| tool | cold (ms) | warm (ms) | hsm is ... x faster (cold / warm) |
|---|---|---|---|
| hsm exec | $hsm_cold | $hsm_warm | - |
| hsm exec --ssh-option ControlMaster=no | $hsm_nomux_cold | - | - |
| pdsh -R ssh | $pdsh_cold | $pdsh_warm | $(ratio "$pdsh_cold" "$hsm_cold") / $(ratio "$pdsh_warm" "$hsm_warm") |
| clush -b | $clush_cold | $clush_warm | $(ratio "$clush_cold" "$hsm_cold") / $(ratio "$clush_warm" "$hsm_warm") |
| pdsh + ControlMaster options | - | $pdsh_mux_warm | - / $(ratio "$pdsh_mux_warm" "$hsm_warm") |
| clush + ControlMaster options | - | $clush_mux_warm | - / $(ratio "$clush_mux_warm" "$hsm_warm") |
EOF2
