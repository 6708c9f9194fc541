# hsm task runner. POSIX sh; the local source runs it under bash for job control (`set -m`), so each
# task gets its own process group and can be timed out or cancelled as a whole tree.
#
#   hsm-runner.sh serve        read `RUN <attempt> <task_dir>` lines on stdin, run each task in turn
#   hsm-runner.sh run ATTEMPT TASK_DIR   run one task (inside Slurm/PBS jobs and over ssh)
#
# For every task it writes into TASK_DIR, the same way on every source:
#   started   `attempt=N pid=P host=H [cgroup=DIR]` (one newline-terminated write; its mtime is the
#             start time)
#   exit      `attempt=N exit=RC`      (one newline-terminated write, after the command ended; its
#             mtime is the end time). RC > 128 means the task died of signal RC-128.
# Readers accept a record only when it ends in a newline and names the attempt they wait for.
# The task itself is TASK_DIR/command.sh (written by hsm: cd, HSM_* environment, exec of the argv with
# every word quoted), sourced in a subshell with stdout/stderr going to TASK_DIR/stdout.log/stderr.log.
#
# What a task leaves running when its own process ends (`sleep 300 &`, a `setsid` child) is killed
# then: its process group, and every process in the runner's cgroup but the runner itself when hsm
# gave it one (HSM_RUNNER_CGROUP, an empty cgroup v2 directory the runner moves itself into; its
# tasks are born in it, and a runner runs one task at a time).

# Why ignore SIGPIPE: if hsm dies (kill -9), writing to the closed pipe must not kill the runner before
# it records how the running task ended. The task itself gets the default disposition back.
trap '' PIPE
host=$(uname -n 2>/dev/null || echo unknown)

run_task() { # attempt task_dir
  trap - PIPE
  unset HSM_RUNNER_CGROUP
  HSM_ATTEMPT=$1
  export HSM_ATTEMPT
  exec </dev/null >"$2/stdout.log" 2>"$2/stderr.log"
  . "$2/command.sh"
  exit 127
}

start_task() { # attempt task_dir -> sets pid
  ( run_task "$1" "$2" ) &
  pid=$!
  printf 'attempt=%s pid=%s host=%s%s\n' "$1" "$pid" "$host" "${cg:+ cgroup=$cg}" >"$2/started"
}

kill_leftovers() { # pid: the task's process group, then the rest of the cgroup (rounds: one may fork)
  kill -KILL -- "-$1" 2>/dev/null
  [ -n "$cg" ] || return 0
  for _round in 1 2 3; do
    left=
    while read -r p; do
      [ "$p" = "$$" ] || { left=1; kill -KILL "$p" 2>/dev/null; }
    done <"$cg/cgroup.procs"
    [ -n "$left" ] || break
  done
  return 0
}

finish_task() { # attempt task_dir pid
  wait "$3"
  rc=$?
  kill_leftovers "$3"
  printf 'attempt=%s exit=%s\n' "$1" "$rc" >"$2/exit"
}

case ${1:-} in
serve)
  set -m 2>/dev/null || true
  cg=
  if [ -n "${HSM_RUNNER_CGROUP:-}" ] && { echo 0 >"$HSM_RUNNER_CGROUP/cgroup.procs"; } 2>/dev/null; then
    cg=$HSM_RUNNER_CGROUP
  fi
  while IFS=' ' read -r verb attempt dir; do
    [ "$verb" = RUN ] || continue
    # hsm may hand a task over before the previous one ends; a cancel withdraws it with this marker
    if [ -e "$dir/withdrawn.$attempt" ]; then
      printf 'X %s 0 %s\n' "$attempt" "$dir"
      continue
    fi
    start_task "$attempt" "$dir"
    printf 'S %s %s %s\n' "$attempt" "$pid" "$dir"
    finish_task "$attempt" "$dir" "$pid"
    printf 'E %s %s %s\n' "$attempt" "$rc" "$dir"
  done
  ;;
run)
  cg=
  start_task "$2" "$3"
  finish_task "$2" "$3" "$pid"
  exit "$rc"
  ;;
*)
  echo "usage: hsm-runner.sh serve | run ATTEMPT TASK_DIR" >&2
  exit 2
  ;;
esac
