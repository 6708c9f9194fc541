#!/usr/bin/env bash
# The local runner alone: N prepared task directories (command.sh as hsm renders it: cd, the HSM_*
# exports, `exec true N`) run by one `runner/hsm-runner.sh serve` in a cgroup of its own, as hsm runs
# it, against a bare dash loop that forks and execs the same `true N` with no record, log or
# command.sh (the fork+exec a runner cannot avoid). Both take turns within each repetition. Prints,
# per place, the median CPU (runner or loop and its tasks, user + sys) and wall time over REPS, and
# the runner's cost a task over the bare loop. The files the runner writes are what differs most
# between tmpfs and disk.
#
#   bash bench/local-runner.sh                  # N=1000 REPS=5, tmpfs and disk
#   N=2000 REPS=7 PLACES=/tmp bash bench/local-runner.sh
#   PIECES=1 bash bench/local-runner.sh         # also each piece of the runner's work alone: a
#                                               # dash loop of 3,000 of it, less the empty loop (µs)
#   PAIR=1 bash bench/local-runner.sh           # also the floor of `hsm run --jobs 2` with no Node at
#                                               # all: two runners fed every other task through a pipe,
#                                               # as hsm hands them over, taking turns with xargs -P2
#                                               # and GNU parallel (--joblog --results) on `true N`;
#                                               # prints what that leaves hsm's process for each target
# With perf installed it also counts page faults a task (one more run of each): a count that, unlike
# CPU time, does not move with the machine's load, and most of what a forked subshell costs.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
REPS=${REPS:-5}
PLACES=${PLACES:-/dev/shm /tmp}
RUNNER=$PWD/runner/hsm-runner.sh

# the runner's cgroup, as hsm makes it (compute/local/task-tree.ts): under this process's own cgroup v2
own=$(sed -n 's/^0:://p' /proc/self/cgroup)
mnt=$(awk '$1 == "cgroup2" {print $2; exit}' /proc/mounts)
cgbase=
if [ -n "$mnt" ] && mkdir "$mnt${own%/}/hsm-bench-$$" 2>/dev/null; then cgbase=$mnt${own%/}/hsm-bench-$$; fi
[ -n "$cgbase" ] || echo "no writable cgroup v2: the runner runs under bash without one (as hsm does then)" >&2
bare=$(mktemp /tmp/hsm-bench-bare-XXXXXX.sh)
echo 'while read -r verb a d; do ( exec true "${d#task_}" ); done' >"$bare"
work=
cleanup() {
  rm -f "$bare"
  [ -z "$work" ] || rm -rf "$work"
  if [ -n "$cgbase" ]; then # a runner's last process may still be being reaped: a few tries
    for _ in 1 2 3 4 5; do
      for d in "$cgbase"/*/; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
      rmdir "$cgbase" 2>/dev/null && break
      sleep 0.2
    done
  fi
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# CPU of the children of a subshell (user+sys ms), from bash's `times`
child_cpu_ms() {
  times >"$work/times"
  awk 'NR==2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } } END { printf "%d\n", s * 1000 }' "$work/times"
}
# Each run gets task directories of its own (all removed at the end): on an ext4 without a journal,
# files created just after thousands were deleted cost several times more (local-throughput.sh).
runs=0
prepare() {
  runs=$((runs + 1))
  tasks=$work/tasks$runs
  mkdir -p "$tasks" "$work/project"
  local i d
  for i in $(seq -w 1 "$N"); do
    d=$tasks/task_$i
    mkdir "$d"
    printf 'i: %s\n' "$i" >"$d/params.yaml"
    printf '# hsm: the exact command of this task (sourced by runner/hsm-runner.sh)\ncd %s || exit 126\nexport HSM_SWEEP_ID=bench_1\nexport HSM_SWEEP_DIR=%s\nexport HSM_TASK_ID=task_%s\nexport HSM_TASK_KEY=0123456789abcdef\nexport HSM_TASK_DIR=%s\nexec true %s\n' \
      "$work/project" "$work" "$i" "$d" "$i" >"$d/command.sh"
    echo "RUN 1 task_$i"
  done >"$work/run-lines"
  sync
}
run_runner() {
  # with a cgroup hsm runs it under sh, without one under bash (compute/local/runner-process.ts)
  local cg= shell=bash
  if [ -n "$cgbase" ]; then cg=$cgbase/r$RANDOM$RANDOM && mkdir "$cg" && shell=sh; fi
  (cd "$tasks" && HSM_RUNNER_CGROUP=$cg "$shell" "$RUNNER" serve <"$work/run-lines" >/dev/null)
  [ -z "$cg" ] || rmdir "$cg" 2>/dev/null || true # its last process may still be reaped: removed at exit
  local ok
  ok=$(cat "$tasks"/*/exit | grep -c '^attempt=1 exit=0$' || true)
  [ "$ok" = "$N" ] || { echo "the runner left $ok exit records of $N" >&2; exit 1; }
}
run_bare() { (cd "$tasks" && sh "$bare" <"$work/run-lines" >/dev/null); }
# hsm's two runners without hsm: each fed every other task through a pipe (hsm writes RUN lines to
# its runners' pipes; a runner reads a pipe a byte a syscall), in a cgroup of its own each
run_pair() {
  local cg1= cg2= shell=bash
  if [ -n "$cgbase" ]; then
    cg1=$cgbase/a$RANDOM$RANDOM cg2=$cgbase/b$RANDOM$RANDOM && mkdir "$cg1" "$cg2" && shell=sh
  fi
  (cd "$tasks" && awk 'NR % 2 == 1' "$work/run-lines" | HSM_RUNNER_CGROUP=$cg1 "$shell" "$RUNNER" serve >/dev/null) &
  (cd "$tasks" && awk 'NR % 2 == 0' "$work/run-lines" | HSM_RUNNER_CGROUP=$cg2 "$shell" "$RUNNER" serve >/dev/null) &
  wait
  [ -z "$cg1" ] || rmdir "$cg1" "$cg2" 2>/dev/null || true # removed at exit if still being reaped
  local ok
  ok=$(cat "$tasks"/*/exit | grep -c '^attempt=1 exit=0$' || true)
  [ "$ok" = "$N" ] || { echo "the two runners left $ok exit records of $N" >&2; exit 1; }
}
# the same argv as the tasks (`true N`), as in bench/local-throughput.sh
run_xargs() { seq "$N" | xargs -P2 -I{} true {}; }
run_parallel() { seq "$N" | parallel -j2 --joblog "$work/joblog$runs" --results "$work/res$runs" true; }

# One piece of the runner's work, alone: CPU of a dash loop doing it ITER times, less the same loop
# without it (or with the baseline given).
ITER=3000
loop_cpu() { # body [prefix]
  (dash -c "${2:-} i=0; while [ \$i -lt $ITER ]; do i=\$((i+1)); $1; done"; child_cpu_ms)
}
piece() { # label body [baseline body] [prefix] (in a new directory, where files f1..fITER may be created)
  local a b
  runs=$((runs + 1))
  mkdir "$work/p$runs" && cd "$work/p$runs"
  a=$(loop_cpu "$2" "${4:-}")
  b=$(loop_cpu "${3:-:}" "${4:-}")
  cd "$work"
  report+=$(awk -v l="$1" -v a="$a" -v b="$b" -v n="$ITER" 'BEGIN { printf "PIECE %s: %.1f µs", l, (a - b) * 1000 / n }')$'\n'
}
pieces() {
  printf '# hsm: the exact command of this task\ncd %s || exit 126\nexport HSM_SWEEP_ID=bench_1\nexport HSM_SWEEP_DIR=%s\nexport HSM_TASK_ID=task_1\nexport HSM_TASK_KEY=0123456789abcdef\nexport HSM_TASK_DIR=%s\nexit 0\n' \
    "$work" "$work" "$work" >"$work/cmd.sh"
  echo 1 >"$work/one"
  local here=$PWD
  piece "$place: a builtin redirected to /dev/null" ': >/dev/null'
  piece "$place: a file created with a line (a reservation)" 'echo attempt=1 >f$i'
  piece "$place: an empty file created (a log)" ': >f$i'
  piece "$place: a line written over a file in place (a record, 1<>)" 'echo attempt=1 exit=0 1<>$work/one'
  if [ -n "$cgbase" ]; then # the loop in a cgroup of its own, as a runner
    mkdir "$cgbase/pieces"
    piece "$place: the cgroup's members read (the leftover check)" "while read -r p; do :; done <$cgbase/pieces/cgroup.procs" : "echo 0 >$cgbase/pieces/cgroup.procs;"
    rmdir "$cgbase/pieces"
  fi
  # in a subshell, as in the runner: a new pid's /proc directory each time
  piece "$place: the task's own pid by cd -P /proc/self (until 2026-12-02), beyond the subshell" "( cd -P /proc/self; cd $work )" '( exit 0 )'
  piece "$place: the task's own pid from /proc/self/sched, beyond the subshell" '( read -r l </proc/self/sched )' '( exit 0 )'
  piece "$place: a subshell (fork, exit)" '( exit 0 )'
  piece "$place: command.sh sourced in the subshell (open, cd, exports), beyond the subshell" "( . $work/cmd.sh )" '( exit 0 )'
  cd "$here"
}

report=
for place in $PLACES; do
  work=$(mktemp -d "$place/hsm-bench-runner-XXXXXX")
  variants="runner bare"
  [ -z "${PAIR:-}" ] || variants+=" pair xargs parallel"
  for _ in $(seq "$REPS"); do
    for v in $variants; do
      case $v in
        xargs | parallel) runs=$((runs + 1)) && sync ;; # no task directories
        *) prepare ;;
      esac
      t0=$(date +%s%N)
      cpu=$( ("run_$v"; child_cpu_ms))
      t1=$(date +%s%N)
      echo $(((t1 - t0) / 1000000)) >>"$work/$v.ms"
      echo "$cpu" >>"$work/$v.cpu"
    done
  done
  [ -z "${PIECES:-}" ] || pieces
  if command -v perf >/dev/null; then
    for v in runner bare; do
      prepare
      cg= shell=bash
      if [ -n "$cgbase" ]; then cg=$cgbase/faults && mkdir "$cg" && shell=sh; fi
      script=$RUNNER && [ "$v" = runner ] || { script=$bare && shell=sh; }
      (cd "$tasks" && HSM_RUNNER_CGROUP=$cg perf stat -x, -e page-faults -o "$work/faults" \
        "$shell" "$script" serve <"$work/run-lines" >/dev/null)
      [ -z "$cg" ] || rmdir "$cg" 2>/dev/null || true # its last process may still be reaped: removed at exit
      report+=$(awk -F, -v v="$v" -v n="$N" -v p="$place" '$3 == "page-faults" { printf "FAULTS %s %s: %.1f page faults a task", p, v, $1 / n }' "$work/faults")$'\n'
    done
  fi
  if [ -n "${PAIR:-}" ]; then
    pw=$(median <"$work/pair.ms"); pc=$(median <"$work/pair.cpu")
    xw=$(median <"$work/xargs.ms"); xc=$(median <"$work/xargs.cpu"); gw=$(median <"$work/parallel.ms")
    report+="$place, $N tasks 2 at a time, median of $REPS: two runners ${pw} ms wall (${pc} ms CPU), xargs -P2 ${xw} ms (${xc} ms CPU), GNU parallel ${gw} ms"$'\n'
    report+=$(awk -v p="$pw" -v x="$xw" -v g="$gw" -v pl="$place" 'BEGIN {
      printf "PAIR %s: the runners alone = %.2fx xargs, %.2fx GNU parallel'"'"'s throughput; left for hsm'"'"'s process: %d ms of wall time for 1.5x xargs, %d ms for 3x GNU parallel",
        pl, p / x, g / p, 1.5 * x - p, g / 3 - p }')$'\n'
  fi
  rc=$(median <"$work/runner.cpu"); bc=$(median <"$work/bare.cpu")
  rw=$(median <"$work/runner.ms"); bw=$(median <"$work/bare.ms")
  fs=$(df -PT "$place" | awk 'NR==2 {print $2}')
  report+="$place ($fs), $N tasks one after the other, median of $REPS: runner ${rc} ms CPU (${rw} ms wall), bare loop ${bc} ms CPU (${bw} ms wall)"$'\n'
  report+=$(awk -v r="$rc" -v b="$bc" -v n="$N" -v p="$place" 'BEGIN { printf "RUNNER %s: %.3f ms CPU a task, %.3f ms over the bare loop (%.2fx)", p, r / n, (r - b) / n, r / (b > 0 ? b : 1) }')$'\n'
  rm -rf "$work"
  work=
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s' "$report"
