#!/usr/bin/env bash
# Tears down everything up.sh started (root only, idempotent): Slurm jobs and daemons, MariaDB,
# munge, ssh control masters, every process inside our hsm-node* namespaces, the namespaces,
# veths and the bridge, h0, and leftover processes of the test user. Kills by pid file, by
# namespace or by our test user's uid, never by process name. Files under the infra dir stay
# (host keys are reused next time); packages and the test user stay installed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
[[ $(id -u) == 0 ]] || { log "down.sh needs root"; exit 2; }
lock_infra "$0" "$@"

# ---------- Slurm ----------
if [[ -d $SL/run ]]; then
  export SLURM_CONF=$SL/etc/slurm.conf
  if alive "$(pid_of "$SL/run/slurmctld.pid")"; then
    # cancel every job of our cluster first so slurmstepd kills the job processes cleanly
    jobs=$(timeout 5 squeue -h -o %A 2>/dev/null | sort -u)
    if [[ -n $jobs ]]; then
      timeout 5 scancel $jobs 2>/dev/null
      for ((i = 0; i < 50; i++)); do [[ -z $(timeout 5 squeue -h -t R,CG,S 2>/dev/null) ]] && break; sleep 0.1; done
    fi
  fi
  for pf in "$SL"/run/slurmd-*.pid; do kill_pidfile "$pf" slurmd; done
  kill_pidfile "$SL/run/slurmctld.pid" slurmctld
  kill_pidfile "$SL/run/slurmdbd.pid" slurmdbd
  kill_pidfile "$SL/run/mariadb.pid" mariadbd
  kill_pidfile "$SL/munge/munged.pid" munged
  # stray slurmstepd of our cluster (jobs still running when slurmd died) + their job processes
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ $(readlink "/proc/$p/exe" 2>/dev/null) == */slurmstepd* ]] || continue
    ls -l "/proc/$p/fd" 2>/dev/null | grep -q " $SL/" && kill_wait $(descendants "$p") "$p"
  done
  # the memory cgroups Slurm made for our nodes' jobs (task/cgroup): Slurm leaves some behind, empty
  if [[ -f $SL/etc/slurm.conf ]]; then
    for n in $(scontrol show hostnames "$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' "$SL/etc/slurm.conf")" 2>/dev/null); do
      d=/sys/fs/cgroup/memory/slurm_$n
      [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
  fi
  rm -f "$SL"/run/warm.*
fi

# ---------- ssh control masters started with our control path ----------
for sock in "$S"/cm/*; do
  [[ -S $sock ]] && ssh -o ControlPath="$sock" -O exit dummy >/dev/null 2>&1
done
rm -f "$S"/cm/* 2>/dev/null

# ---------- netns hosts: every process inside hsm-node* is ours ----------
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^hsm-node[0-9]+$' || true); do
  kill_wait $(ip netns pids "$ns" 2>/dev/null)
  ip netns del "$ns" 2>/dev/null
done
# delete our veths explicitly: netns teardown is asynchronous and a lingering veth breaks a restart
for v in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^hsmv[0-9]+$' || true); do
  ip link del "$v" 2>/dev/null
done
# node sshd pid files (their processes died with the namespaces) and h0 with its sessions
rm -f "$INFRA"/hosts/*/sshd.pid
if sshd_running "$S/h0"; then p=$(pid_of "$S/h0/sshd.pid"); kill_wait $(descendants "$p") "$p"; fi
rm -f "$S/h0/sshd.pid"
# orphaned remote commands of the test user
id -u $TUSER >/dev/null 2>&1 && kill_wait $(pgrep -u $TUSER 2>/dev/null)
ip link show $BR >/dev/null 2>&1 && ip link del $BR
log "down"
