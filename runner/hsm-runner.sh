# hsm task runner. POSIX sh. The local source runs `serve` under sh (dash: a fork costs ~2/3 of
# bash's) when the runner has a cgroup, which then holds every task's tree; without one it runs under
# bash, whose job control (`set -m`) gives each task its own process group, the tree hsm signals.
#
#   hsm-runner.sh serve        read `RUN <attempt> <task_dir>` lines on stdin, run each task in turn
#   hsm-runner.sh agent        (ssh and session hosts) read `RUN <attempt> <task_dir> <command.sh as
#                              base64>` lines on stdin and start each task at once, in the background
#                              (hsm bounds how many run), each under a waiter of its own (`wait`);
#                              prints the same S/E/X lines as serve
#   hsm-runner.sh wait ATTEMPT TASK_DIR   (started by agent, leading a session of its own) run one
#                              task and record its end
#   hsm-runner.sh status ATTEMPT TASK_DIR...   one line per task: `T <dir> <attempt> <state> <pid> <rc>`
#                              (state: exit, run, gone, wait, skip) and `H <load1> <mem_avail_kb> <disk_avail_kb>`;
#                              status, kill and withdraw first kill what the sweep's dead waiters left
#                              (kill_strays)
#   hsm-runner.sh kill SIGNAL ATTEMPT TASK_DIR...  signal each started task's process group; withdraw
#                              (marker) each one not started yet
#   hsm-runner.sh withdraw ATTEMPT TASK_DIR...  withdraw each task not started yet (no signal)
#   hsm-runner.sh run ATTEMPT TASK_DIR [ATTEMPT TASK_DIR...]   (inside Slurm/PBS jobs) run the tasks
#                              in turn; `withdrawn.<attempt>` skips one, `kill.<attempt>` (content:
#                              grace seconds) stops one alone (when there are several: a single
#                              task is stopped by the scheduler). A Slurm job script sources the
#                              runner with these arguments (`set -- run ...; . hsm-runner.sh`)
#
# For every task it writes into TASK_DIR, the same way on every source:
#   started   `attempt=N pid=P host=H [cgroup=DIR]` (one newline-terminated write; its mtime is the
#             start time)
#   exit      `attempt=N exit=RC`      (one newline-terminated write, after the command ended; its
#             mtime is the end time). RC > 128 means the task died of signal RC-128.
# Readers accept a record only when it ends in a newline and names the attempt they wait for.
# Both files are reserved before the task starts (`attempt=N`, no other field: not a record yet) and
# the records are then written over them in place (`1<>`, no truncation): a record never needs new
# space, so a disk that fills while a task runs cannot lose how it ended. When the reservation cannot
# be written (disk full, not writable), the task does not start: `serve` reports `W` and `run` exits 75.
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
# uname -n without a fork (the same UTS name): ~1 ms of CPU a Slurm element, which starts a runner
{ read -r host </proc/sys/kernel/hostname; } 2>/dev/null || host=$(uname -n 2>/dev/null || echo unknown)

run_task() { # attempt task_dir
  trap - PIPE
  unset HSM_RUNNER_CGROUP
  HSM_ATTEMPT=$1
  export HSM_ATTEMPT
  exec </dev/null >"$2/stdout.log" 2>"$2/stderr.log"
  . "$2/command.sh"
  exit 127
}

reserve_records() { # attempt task_dir: fails when they cannot be written
  { printf 'attempt=%s\n' "$1" >"$2/started" && printf 'attempt=%s\n' "$1" >"$2/exit"; } 2>/dev/null
}

# Tests: while the file HSM_RUNNER_HOLD names exists, a task forked is not recorded as started (the
# moment a cancel of the runners of a dead hsm must still stop it).
hold_start() {
  [ -z "${HSM_RUNNER_HOLD:-}" ] || while [ -e "$HSM_RUNNER_HOLD" ]; do sleep 0.02; done
}

# The task in this subshell, its start recorded and reported by itself before anything of it runs, so
# that a runner that dies just after the fork leaves no task running without a record (what the runner
# forked is found by HSM_RUNNER_SWEEP and its session, and killed: compute/local/task-tree.ts). With a
# cgroup (sh) it runs in the foreground (no job control, and the task gets SIGINT as usual); under bash
# in the background, its own process group.
run_task_here() { # attempt task_dir
  # this subshell's pid ($$ is the runner's), with builtins only: `read` takes a byte a syscall, and
  # the one line of /proc/self/stat would cost ~300 of them a task
  if [ -n "${BASHPID:-}" ]; then
    tpid=$BASHPID
  elif [ -z "$sched_pid" ] || ! pid_from_sched; then
    cd -P /proc/self && tpid=${PWD#/proc/} && cd "$base" || exit 125
  fi
  hold_start
  printf 'attempt=%s pid=%s host=%s%s\n' "$1" "$tpid" "$host" "${cg:+ cgroup=$cg}" 1<>"$2/started"
  printf 'S %s %s %s\n' "$1" "$tpid" "$2"
  run_task "$1" "$2"
}

# The first line of /proc/self/sched names the process reading it (`sh (PID, #threads: 1)`): ~25 bytes
# read a byte a syscall, where `cd -P /proc/self` (its getcwd, bound lazily in each new subshell) costs
# a subshell ~7 more page faults, ~0.03 ms of CPU a task (docs/benchmarks.md). Used only where the
# runner finds its own pid there ($sched_pid): kernels without it, or older ones naming the pid of
# another namespace than /proc's, take the way above.
pid_from_sched() { # -> sets tpid, or fails
  IFS= read -r tpid </proc/self/sched || return 1
  tpid=${tpid##*\(}
  tpid=${tpid%%,*}
  case $tpid in '' | *[!0-9]*) return 1 ;; esac
}

start_task() { # attempt task_dir -> sets pid
  ( run_task "$1" "$2" ) &
  pid=$!
  hold_start
  printf 'attempt=%s pid=%s host=%s%s\n' "$1" "$pid" "$host" "${cg:+ cgroup=$cg}" 1<>"$2/started"
}

kill_leftovers() { # pid: the task's process group, then the rest of the cgroup (rounds: one may fork)
  [ -z "$1" ] || kill -KILL -- "-$1" 2>/dev/null
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
  printf 'attempt=%s exit=%s\n' "$1" "$rc" 1<>"$2/exit"
}

# The host's state when a task failed (load, free memory and disk where the task ran), kept with it.
host_state() { # task_dir
  load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo -)
  mem=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null)
  disk=$(df -Pk "$1" 2>/dev/null | awk 'NR==2 {print $4}')
  printf '%s %s %s' "${load:--}" "${mem:--}" "${disk:--}"
}

# A started record that names ATTEMPT, complete (newline-terminated): sets spid; false otherwise.
started_pid() { # attempt task_dir
  spid=
  IFS= read -r line 2>/dev/null <"$2/started" || return 1
  case $line in "attempt=$1 pid="*) ;; *) return 1 ;; esac
  spid=${line#"attempt=$1 pid="}
  spid=${spid%% *}
  [ -n "$spid" ]
}

# hsm stops one task of a job alone (its timeout, a cancel) by writing `kill.<attempt>` into its
# directory, holding the seconds between TERM and KILL; the job and its other tasks go on. One
# watcher looks for the markers of all the element's tasks once a second: a watcher forked per task
# cost more than a short task itself (~1.5 ms of CPU each).
stop_task() { # attempt task_dir pid
  grace=$(cat "$2/kill.$1" 2>/dev/null)
  case $grace in '' | *[!0-9]*) grace=10 ;; esac
  kill -TERM -- "-$3" 2>/dev/null
  while [ "$grace" -gt 0 ] && kill -0 "$3" 2>/dev/null; do
    sleep 1
    grace=$((grace - 1))
  done
  # ended meanwhile: its group id may name another process group since
  exit_rc "$1" "$2" || kill -KILL -- "-$3" 2>/dev/null
}

watch_kills() { # attempt task_dir [attempt task_dir...]
  # it ends with the runner ($$: the runner's shell, not this subshell): a runner killed with -9
  # (the lost case) cannot stop it, and in its own process group it outlives the job otherwise
  while sleep 1 && kill -0 $$ 2>/dev/null; do
    wa=
    for w in "$@"; do
      [ -n "$wa" ] || { wa=$w; continue; }
      # a task started, not ended, with a marker: the one the runner is waiting for
      if [ -e "$w/kill.$wa" ] && ! exit_rc "$wa" "$w" && started_pid "$wa" "$w" &&
        kill -0 "$spid" 2>/dev/null; then
        stop_task "$wa" "$w" "$spid"
      fi
      wa=
    done
  done
}

# What the sweep's agent waiters that died (kill -9, the OOM killer) left running: processes carrying
# the sweep's marker (HSM_RUNNER_SWEEP, which every waiter is started with and all it forks inherit)
# in a session whose leader, the waiter, is gone. A session's id is not given to another process while
# a member lives, so such a session is a dead waiter's. Nothing can record how their task ends any
# more, and hsm runs the attempt again (`gone`: lost; no started record yet: never started), so they
# must not run on beside it: frozen (none forks meanwhile), then killed. The rule of the local
# runners' strays (compute/local/task-tree.ts). Run from TASKS_DIR (the marker is its parent).
kill_strays() {
  case $PWD in */tasks) ;; *) return 0 ;; esac # not a sweep's task root: no waiters of it
  marker="HSM_RUNNER_SWEEP=${PWD%/tasks}"
  all=
  for _round in 1 2 3; do
    found=$(stray_pids "$marker")
    [ "$found" != "$all" ] || break
    all=$found
    kill -STOP $all 2>/dev/null
  done
  [ -z "$all" ] || kill -KILL $all 2>/dev/null
  return 0
}

stray_pids() { # marker -> the pids, in /proc's order, on one line
  grep -lsxzF -e "$1" /proc/[0-9]*/environ 2>/dev/null | awk '
    { sub(/environ$/, "stat", $0)
      if ((getline st < $0) > 0) {
        pid = st; sub(/ .*/, "", pid)
        sub(/.*\) /, "", st); split(st, f, " ")
        leader = "/proc/" f[4] "/stat"
        if (f[4] != pid && (getline x < leader) <= 0) out = out " " pid
        close(leader)
      }
      close($0) }
    END { print substr(out, 2) }'
}

# The marker that makes the agent skip a task it has not started (X), and `status` say `skip`. The
# agent makes a task's directory when it reads its RUN line: a line that never reached it (an agent
# killed, a connection lost with the line in flight) has none, and the marker makes it, or the
# attempt would read `wait` for ever and never be taken back.
withdraw_task() { # attempt task_dir
  { [ -d "$2" ] || mkdir -p "$2"; } 2>/dev/null && : >"$2/withdrawn.$1"
}

# A started record written before the host last booted names a pid of that boot: a restarted host
# gives pids out again from the bottom, so a live process with that number is another one. The
# boot time is a file's mtime (the sweep's `.boot.<btime>`, made once a boot) to compare with `-ot`.
before_boot() { # record
  if [ -z "${boot_ref:-}" ]; then
    btime=
    while read -r key value; do
      [ "$key" = btime ] && { btime=$value; break; }
    done </proc/stat 2>/dev/null
    boot_ref=../.boot.${btime:-unknown}
    [ -z "$btime" ] || [ -e "$boot_ref" ] || touch -d "@$btime" "$boot_ref" 2>/dev/null
  fi
  [ -e "$boot_ref" ] && [ "$1" -ot "$boot_ref" ]
}

exit_rc() { # attempt task_dir -> sets erc
  erc=
  IFS= read -r line 2>/dev/null <"$2/exit" || return 1
  case $line in "attempt=$1 exit="*) erc=${line#"attempt=$1 exit="} ;; *) return 1 ;; esac
}

case ${1:-} in
serve)
  cg=
  if [ -n "${HSM_RUNNER_CGROUP:-}" ] && { echo 0 >"$HSM_RUNNER_CGROUP/cgroup.procs"; } 2>/dev/null; then
    cg=$HSM_RUNNER_CGROUP
  fi
  if [ -z "$cg" ]; then
    # no cgroup: a task's tree is its process group, which only bash's job control gives it
    [ -n "${BASH_VERSION:-}" ] || { unset HSM_RUNNER_CGROUP; exec bash "$0" serve; }
    set -m 2>/dev/null || true
  elif ! { read -r _ </proc/self/stat; } 2>/dev/null; then
    [ -n "${BASH_VERSION:-}" ] || exec bash "$0" serve # no /proc: the bash way below
    set -m 2>/dev/null || true
    cg_here=
  else
    cg_here=1
    base=$PWD
    sched_pid=
    { pid_from_sched && [ "$tpid" = "$$" ] && sched_pid=1; } 2>/dev/null
  fi
  while IFS=' ' read -r verb attempt dir; do
    [ "$verb" = RUN ] || continue
    # hsm may hand a task over before the previous one ends; a cancel withdraws it with this marker
    if [ -e "$dir/withdrawn.$attempt" ]; then
      printf 'X %s 0 %s\n' "$attempt" "$dir"
      continue
    fi
    if ! reserve_records "$attempt" "$dir"; then
      printf 'W %s 0 %s\n' "$attempt" "$dir"
      continue
    fi
    if [ -n "${cg_here:-}" ]; then
      ( run_task_here "$attempt" "$dir" )
      rc=$?
      kill_leftovers ""
      printf 'attempt=%s exit=%s\n' "$attempt" "$rc" 1<>"$dir/exit"
    else
      ( run_task_here "$attempt" "$dir" ) &
      finish_task "$attempt" "$dir" "$!"
    fi
    printf 'E %s %s %s\n' "$attempt" "$rc" "$dir"
  done
  ;;
agent)
  while IFS=' ' read -r verb attempt dir script; do
    [ "$verb" = RUN ] || continue
    if [ -e "$dir/withdrawn.$attempt" ]; then
      printf 'X %s 0 %s\n' "$attempt" "$dir"
      continue
    fi
    # records left by an earlier sweep of the same id must not pass for this attempt's
    if ! { mkdir -p "$dir" && rm -f "$dir/exit" "$dir/started" "$dir/host_state" &&
      printf '%s' "$script" | base64 -d >"$dir/command.sh"; } 2>"$dir.err"; then
      # the task cannot even be set up (disk full, unwritable workdir): exit 125 with the reason
      printf 'F %s 125 %s %s\n' "$attempt" "$dir" "$(tr '\n' ' ' <"$dir.err" 2>/dev/null)"
      rm -f "$dir.err"
      continue
    fi
    rm -f "$dir.err"
    # the task's waiter leads a session of its own and carries the sweep's marker: what it forked is
    # found by both if it dies (kill_strays), whatever became of this agent. The marker is given
    # once the session exists (env after setsid): a marked process still in this agent's session,
    # which ends with its input, would pass for a dead waiter's
    setsid env "HSM_RUNNER_SWEEP=${PWD%/tasks}" bash "$0" wait "$attempt" "$dir" </dev/null &
  done
  ;;
wait)
  # One task of the agent. Job control: the task gets a process group of its own, which a kill
  # signals without reaching this waiter (which then still records the exit). The task's subshell
  # records its start and reports S itself before anything of the task runs (run_task_here, as
  # serve's), so a waiter killed just after the fork leaves no task running without a record.
  set -m 2>/dev/null || true
  cg=
  ( run_task_here "$2" "$3" ) &
  finish_task "$2" "$3" "$!"
  [ "$rc" = 0 ] || printf 'exit=%s host=%s load_mem_disk=%s\n' "$rc" "$host" "$(host_state "$3")" >"$3/host_state"
  printf 'E %s %s %s\n' "$2" "$rc" "$3"
  ;;
status)
  shift
  kill_strays
  while [ $# -ge 2 ]; do
    if exit_rc "$1" "$2"; then
      started_pid "$1" "$2" || spid=0
      printf 'T %s %s exit %s %s\n' "$2" "$1" "$spid" "$erc"
    elif started_pid "$1" "$2"; then
      if kill -0 "$spid" 2>/dev/null && ! before_boot "$2/started"; then state=run; else state=gone; fi
      printf 'T %s %s %s %s -\n' "$2" "$1" "$state" "$spid"
    elif [ -e "$2/withdrawn.$1" ]; then
      printf 'T %s %s skip 0 -\n' "$2" "$1"
    else
      printf 'T %s %s wait 0 -\n' "$2" "$1"
    fi
    shift 2
  done
  printf 'H %s\n' "$(host_state .)"
  ;;
withdraw)
  shift
  kill_strays
  while [ $# -ge 2 ]; do
    started_pid "$1" "$2" || withdraw_task "$1" "$2"
    shift 2
  done
  ;;
kill)
  sig=$2
  shift 2
  kill_strays
  while [ $# -ge 2 ]; do
    # an ended task's group is gone (its leftovers were killed before the exit record): the id may
    # name another process group since (a KILL after the grace, a task that ended meanwhile)
    if exit_rc "$1" "$2"; then
      :
    elif started_pid "$1" "$2"; then
      kill "-$sig" "-$spid" 2>/dev/null || true
    else
      withdraw_task "$1" "$2"
    fi
    shift 2
  done
  ;;
run)
  # Inside a Slurm/PBS job: the tasks of one array element, one after the other (several when tasks
  # are packed into one allocation), each with its own records and exit code. Exit status: that of
  # the last task that failed (75: records not writable), else 0.
  shift
  set -m 2>/dev/null || true
  cg=
  status=0
  # the kill markers are for packed elements (one task of several stopped alone); an element of
  # one task is stopped by the scheduler (scancel): no watcher, whose fork and sleep cost ~2 ms
  watcher=
  if [ $# -gt 2 ]; then
    watch_kills "$@" </dev/null >/dev/null 2>&1 &
    watcher=$!
  fi
  while [ $# -ge 2 ]; do
    a=$1
    d=$2
    shift 2
    # withdrawn before this job reached it (a cancel): not started, hsm puts it back to pending
    [ -e "$d/withdrawn.$a" ] && continue
    if ! reserve_records "$a" "$d"; then
      echo "hsm-runner: cannot write the records of $d (disk full or not writable): not started" >&2
      status=75
      continue
    fi
    start_task "$a" "$d"
    finish_task "$a" "$d" "$pid"
    [ "$rc" = 0 ] || status=$rc
  done
  # the watcher and its sleep (its own process group); waited for so that bash does not report it
  if [ -n "$watcher" ]; then
    kill -- "-$watcher" 2>/dev/null || kill "$watcher" 2>/dev/null
    wait "$watcher" 2>/dev/null
  fi
  exit "$status"
  ;;
*)
  echo "usage: hsm-runner.sh serve | agent | wait ATTEMPT TASK_DIR | status|withdraw ATTEMPT TASK_DIR... | kill SIGNAL ATTEMPT TASK_DIR... | run ATTEMPT TASK_DIR..." >&2
  exit 2
  ;;
esac
