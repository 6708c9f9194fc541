#!/usr/bin/env bash
# Benchmark: incremental `hsm sync push` of a 2,000-file git project with 3 files changed, vs a bare
# `rsync -a` of the same change (to its own copy on the same host), and vs pushing the whole project
# as a tarball (`tar cz | ssh tar xz`). Host: node20 of scripts/infra/up.sh. Each repetition edits the
# same 3 files in both copies' source, then times each tool. hsm includes its whole comparison
# (both sides described, the verdict) and Node start-up. rsync and tar are measured twice: over a
# plain ssh (a new connection per run, as typed by hand) and over an open ControlMaster connection
# (as hsm uses). Median of REPS runs, wall time of the whole command.
#   usage: bench/sync.sh [REPS=7] [HOST=node20]     (run `npm run build` and up.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-7}
HOST=${2:-node20}
set -a; . ./.test-infra.env; set +a
CFG=$HSM_TEST_SSH_CONFIG
HSM=$PWD/bin/hsm.js
WORK=$(mktemp -d /tmp/hsm-bench-sync.XXXX)
REMOTE=hsm-bench-sync-$$
CP="$WORK/cm-%C"
MUX=(-o ControlMaster=auto -o ControlPersist=60 -o "ControlPath=$CP")
cleanup() {
  ssh -F "$CFG" "$HOST" "rm -rf $REMOTE" || true
  ssh -F "$CFG" -o "ControlPath=$CP" -O exit "$HOST" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f", m}'; }

# The project: 40 directories x 50 files of ~2 KB (Python-like text), a sweep file, a config, git.
P="$WORK/project"
mkdir -p "$P/sweeps"
for d in $(seq -w 1 40); do
  mkdir -p "$P/pkg$d"
  for f in $(seq -w 1 50); do
    awk -v d="$d" -v f="$f" 'BEGIN { for (i = 0; i < 40; i++) printf "def fn_%s_%s_%d(x):\n    return x * %d + %s\n", d, f, i, i, f }' >"$P/pkg$d/mod$f.py"
  done
done
printf 'command: python pkg01/mod01.py\nsweep:\n  lr: [0.1, 0.2]\n' >"$P/sweeps/sweep.yaml"
printf 'sources:\n  bench: {type: ssh, host: %s, workdir: "~/%s/hsm"}\n' "$HOST" "$REMOTE" >"$P/hsm_config.yaml"
printf '__pycache__/\n' >"$P/.gitignore"
(cd "$P" && git init -q && git add -A && git -c user.email=b@b -c user.name=b commit -qm bench)
FILES=$(cd "$P" && git ls-files | wc -l)
BYTES=$(du -sb "$P" | cut -f1)

change() { # edit the same 3 files (a different line each repetition)
  for f in pkg03/mod07.py pkg17/mod21.py pkg33/mod45.py; do echo "# edit $1" >>"$P/$f"; done
}
hsm_push() { (cd "$P" && node "$HSM" sync push bench --ssh-config "$CFG" --ssh-option "ControlPath=$CP"); }
rsync_plain() { rsync -a -e "ssh -F $CFG" "$P/" "$HOST:$REMOTE/rsync/"; }
rsync_mux() { rsync -a -e "ssh -F $CFG ${MUX[*]}" "$P/" "$HOST:$REMOTE/rsync/"; }
tar_plain() { tar -C "$P" -czf - . | ssh -F "$CFG" "$HOST" "mkdir -p $REMOTE/tar && tar -C $REMOTE/tar -xzf -"; }
tar_mux() { tar -C "$P" -czf - . | ssh -F "$CFG" "${MUX[@]}" "$HOST" "mkdir -p $REMOTE/tar && tar -C $REMOTE/tar -xzf -"; }
timed() {
  local t
  t=$(now)
  "$@" >/dev/null 2>"$WORK/err" || { echo "$* failed:" >&2; cat "$WORK/err" >&2; exit 1; }
  echo $((($(now) - t) / 1000000))
}

echo "project: $FILES files, $BYTES bytes; host $HOST; repetitions: $REPS; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# first copies (not timed): hsm's, rsync's; the master connection opens here
hsm_push >/dev/null
ssh -F "$CFG" "$HOST" "mkdir -p $REMOTE/rsync"
rsync_mux >/dev/null
hsm_version() { node "$HSM" --version; }
hsm_check() { (cd "$P" && node "$HSM" sync check bench --ssh-config "$CFG" --ssh-option "ControlPath=$CP") || true; }
declare -a H RP RM TP TM V C
for ((i = 0; i < REPS; i++)); do
  change "$i"
  H+=("$(timed hsm_push)")
  RP+=("$(timed rsync_plain)")
  change "$i-b" # rsync_mux must move a change too: the same 3 files again
  H+=("$(timed hsm_push)")
  RM+=("$(timed rsync_mux)")
  TP+=("$(timed tar_plain)")
  TM+=("$(timed tar_mux)")
  V+=("$(timed hsm_version)")
  change "$i-c"
  C+=("$(timed hsm_check)")
  H+=("$(timed hsm_push)")
done
# the copies are equal at the end (hsm's check agrees)
(cd "$P" && node "$HSM" sync check bench --ssh-config "$CFG" --ssh-option "ControlPath=$CP" >/dev/null) || {
  echo "hsm sync check: not in sync after the pushes" >&2
  exit 1
}
h=$(printf '%s\n' "${H[@]}" | median)
rp=$(printf '%s\n' "${RP[@]}" | median)
rm_=$(printf '%s\n' "${RM[@]}" | median)
tp=$(printf '%s\n' "${TP[@]}" | median)
tm=$(printf '%s\n' "${TM[@]}" | median)
v=$(printf '%s\n' "${V[@]}" | median)
c=$(printf '%s\n' "${C[@]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cat <<EOF2
| what (3 of $FILES files changed) | median (ms) | hsm vs it |
|---|---|---|
| hsm sync push (comparison included) | $h | - |
| rsync -a, plain ssh | $rp | $(ratio "$h" "$rp")x the time |
| rsync -a, ssh ControlMaster open | $rm_ | $(ratio "$h" "$rm_")x the time |
| tarball (tar cz, ssh, tar xz), plain ssh | $tp | $(ratio "$tp" "$h")x faster |
| tarball, ssh ControlMaster open | $tm | $(ratio "$tm" "$h")x faster |
| of which: hsm start-up (\`hsm --version\`) | $v | - |
| of which: the comparison (\`hsm sync check\`, start-up included) | $c | - |
EOF2
