#!/usr/bin/env bash
# Breaks and restores one netns test host, for failure tests (root only):
#   host-ctl.sh stop NODE       kill its sshd listener: new connections are refused at once
#   host-ctl.sh freeze NODE     SIGSTOP its sshd: TCP connects, no banner -> connect timeout
#   host-ctl.sh link-down NODE  unplug its veth: packets vanish -> connect timeout
#   host-ctl.sh kill NODE       the host dies: SIGKILL to every process in its network namespace
#                               (sshd, sessions, every task running there)
#   host-ctl.sh restore NODE    undo all of the above (thaw, link up, start sshd if missing)
# Existing sessions survive `stop` (sshd forks per connection); use dedicated hosts for such tests.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
action=${1:-} name=${2:-}
[[ $name =~ ^node[0-9]+$ && -d $(node_dir "$name") ]] || { log "usage: host-ctl.sh stop|freeze|link-down|kill|restore nodeN"; exit 2; }
d=$(node_dir "$name")
pid=$(pid_of "$d/sshd.pid")
case $action in
  stop) if sshd_running "$d"; then kill_wait "$pid"; fi ;;
  freeze) sshd_running "$d" && kill -STOP "$pid" ;;
  link-down) ip link set "$(node_veth "$name")" down ;;
  kill)
    # all stopped first, then killed: killed one by one, a task could run on a moment after its
    # children died (a `$(hostname)` killed under `echo end`, a line the ledger tests then miss)
    for p in $(ip netns pids "$(node_ns "$name")"); do kill -STOP "$p" 2>/dev/null || true; done
    for p in $(ip netns pids "$(node_ns "$name")"); do kill -KILL "$p" 2>/dev/null || true; done
    for _ in $(seq 100); do [[ -z $(ip netns pids "$(node_ns "$name")") ]] && break; sleep 0.02; done ;;
  restore)
    if sshd_running "$d"; then kill -CONT "$pid"; fi
    ip link set "$(node_veth "$name")" up
    start_node_sshd "$name"
    wait_pidfile "$d" ;;
  *) log "unknown action '$action': stop|freeze|link-down|kill|restore"; exit 2 ;;
esac
