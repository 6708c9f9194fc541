# shellcheck shell=bash
# Shared settings and helpers of the test infrastructure (sourced by up.sh, down.sh, host-ctl.sh).
# Everything lives under $HSM_INFRA_DIR (default /tmp/hsm-infra); every name that reaches the
# system (netns, veth, bridge, user, ports) carries an `hsm` prefix or a non-default number, so
# it cannot collide with a system sshd/Slurm or with other test setups on the same machine.

INFRA=${HSM_INFRA_DIR:-/tmp/hsm-infra}
S=$INFRA/ssh                      # client key, ssh_config, known_hosts, control sockets
SL=$INFRA/slurm                   # slurm/munge/mariadb configs, state, logs
TUSER=hsmtest                     # clean login user: root's .bashrc is slow and noisy
SUBNET=${HSM_TEST_SUBNET:-10.251.0}  # private /24, exists only on our bridge and in our netns
BR=hsmbr0
SSHD=/usr/sbin/sshd
# Slurm ports (non-default so a system Slurm or another test cluster cannot clash)
CTLD_PORT=16917 SLURMD_PORT=16918 DBD_PORT=16919 DB_PORT=13406

log() { printf '[hsm-infra] %s\n' "$*" >&2; }

# alive PID: running and not a zombie (PID 1 here reaps orphans lazily; kill -0 succeeds on zombies)
alive() { [[ ${1:-} =~ ^[0-9]+$ && -d /proc/$1 ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
pid_of() { [[ -s $1 ]] && cat "$1" 2>/dev/null || true; }
# running PIDFILE PATTERN: alive AND its cmdline matches (stale pid files / reused pids are not trusted)
running() { local p; p=$(pid_of "$1"); alive "$p" && tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- "$2"; }
wait_for() { # timeout_s description cmd...
  local t=$1 what=$2 i; shift 2
  for ((i = 0; i < t * 50; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.02; done
  log "timeout waiting for $what"; return 1
}
kill_wait() { # pids... : TERM, wait up to 3 s, then KILL (by pid only, never by name)
  local p pids=() i left
  for p in "$@"; do alive "$p" && pids+=("$p"); done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null
  kill -CONT "${pids[@]}" 2>/dev/null   # a SIGSTOPped sshd (hang tests) must wake up to die
  for ((i = 0; i < 60; i++)); do
    left=0; for p in "${pids[@]}"; do alive "$p" && left=1; done
    ((left)) || return 0; sleep 0.05
  done
  kill -KILL "${pids[@]}" 2>/dev/null; sleep 0.1
}
# is_program PID PROGRAM: PID is alive and runs PROGRAM (its argv[0] is PROGRAM or ends in /PROGRAM)
is_program() {
  local a0
  alive "$1" || return 1
  { IFS= read -r -d '' a0 <"/proc/$1/cmdline"; } 2>/dev/null || return 1
  [[ $a0 == "$2" || $a0 == */"$2" ]]
}
# kill_pidfile PIDFILE PROGRAM: stops the daemon a pid file names once its command line shows it is
# PROGRAM (a pid file left by a daemon that died names whatever process took the pid since: a test
# runner's worker, another developer's shell), then removes the file
kill_pidfile() {
  local p; p=$(pid_of "$1")
  if is_program "$p" "$2"; then kill_wait "$p"; fi
  rm -f "$1"
}
descendants() { local c; for c in $(pgrep -P "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done; }

# One up/down at a time (two test runs starting together would race on namespaces and daemons).
# The script re-runs itself under flock(1); -o keeps the lock's fd out of the daemons it starts.
lock_infra() { # "$0" "$@"
  [[ -n ${HSM_INFRA_LOCKED:-} ]] && return 0
  HSM_INFRA_LOCKED=1 exec flock -o -w 300 "${INFRA}.lock" "$@"
}

# frozen NAME: its sshd is SIGSTOPped (state T), i.e. a failure test is using it right now
is_frozen() { local p; p=$(pid_of "$(node_dir "$1")/sshd.pid"); alive "$p" && [[ $(awk '{print $3}' "/proc/$p/stat") == T ]]; }

node_dir() { echo "$INFRA/hosts/$1"; }
node_index() { echo "${1#node}"; }
node_ns() { echo "hsm-$1"; }
node_addr() { echo "$SUBNET.$((10 + $(node_index "$1")))"; }
node_veth() { echo "hsmv$(node_index "$1")"; }

sshd_running() { running "$1/sshd.pid" "$1/sshd_config"; }

wait_pidfile() { # dir: sshd daemonizes BEFORE it binds; the pid file is written after bind
  local i
  for ((i = 0; i < 500; i++)); do [[ -s $1/sshd.pid ]] && return 0; sleep 0.01; done
  log "sshd in $1 did not come up; log:"; tail -5 "$1/sshd.log" >&2; return 1
}

write_sshd_config() { # dir listen_addr port [extra listen addr]
  local d=$1 addr=$2 port=$3
  [[ -f $d/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C "$(basename "$d")" -f "$d/ssh_host_ed25519_key"
  cat > "$d/sshd_config.new" <<EOF
Port $port
ListenAddress $addr
${4:+ListenAddress $4}
HostKey $d/ssh_host_ed25519_key
PidFile $d/sshd.pid
AuthorizedKeysFile $S/authorized_keys .ssh/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 200:30:400
MaxSessions 200
ClientAliveInterval 10
ClientAliveCountMax 3
LogLevel INFO
AcceptEnv LANG LC_* HSM_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
  mv "$d/sshd_config.new" "$d/sshd_config"
}

# Network plumbing of one netns host: namespace, veth pair into our bridge, address, route.
setup_node_net() { # name
  local name=$1 ns vh addr
  ns=$(node_ns "$name"); vh=$(node_veth "$name"); addr=$(node_addr "$name")
  [[ -e /run/netns/$ns ]] || ip netns add "$ns"
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    # a stale veth can linger briefly after `ip netns del` (teardown is asynchronous): remove it
    ip link del "$vh" 2>/dev/null || true
    ip link add "$vh" type veth peer name eth0 netns "$ns"
  fi
  ip link set "$vh" master $BR up
  ip -n "$ns" -batch - <<EOF
link set lo up
addr replace $addr/24 dev eth0
link set eth0 up
route replace default via $SUBNET.1
EOF
}

# Starts the sshd of one netns host (no-op when it runs): own netns (address), own UTS namespace
# (hostname = node name), own mount namespace with a private home bind-mounted over the user's.
start_node_sshd() { # name
  local name=$1 d; d=$(node_dir "$name")
  sshd_running "$d" && return 0
  # sshd deletes its pid file on exit: an old sshd still exiting (its command line already empty)
  # could delete the new one's file, so it is waited for; never signalled: this host's sshd is not
  # running, so a live process the file names is another one that took the pid
  local old i; old=$(pid_of "$d/sshd.pid")
  for ((i = 0; i < 60; i++)); do
    if alive "$old" && [[ ! -s /proc/$old/cmdline ]]; then sleep 0.05; else break; fi
  done
  rm -f "$d/sshd.pid"
  # absolute -f/-E paths are mandatory: sshd chdir("/")s and re-execs itself per connection
  ip netns exec "$(node_ns "$name")" unshare --uts sh -c \
    "hostname $name && mount --bind $d/home /home/$TUSER && exec $SSHD -f $d/sshd_config -E $d/sshd.log"
}
