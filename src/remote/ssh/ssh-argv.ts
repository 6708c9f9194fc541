import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HsmError } from '../../domain/errors.js';

// argv for the OpenSSH client, and nothing else: no process is started here, so `hsm exec`, the
// ssh compute source and rsync's `-e` can share it. OpenSSH keeps the FIRST value it obtains for
// an option (command line, then -F file or ~/.ssh/config, then /etc/ssh/ssh_config), so the
// user's --ssh-option values come first and override hsm's defaults, and hsm's defaults override
// the config files. Host keys are always verified: StrictHostKeyChecking=no is refused.

export interface SshClientOptions {
  /** `-F FILE`: a client config file used instead of ~/.ssh/config. */
  configFile?: string;
  /** Extra `-o` options as `Key=Value` (or `Key Value`), highest precedence. */
  options?: readonly string[];
  /** ConnectTimeout in seconds (TCP connect and banner exchange). Default 10. */
  connectTimeoutSec?: number;
  /** Connection sharing: a ControlPath pattern (default `<tmp>/hsm-ssh-<uid>/%C`); null disables it. */
  controlPath?: string | null;
  /** Seconds an idle master connection stays for later commands (default 60). */
  controlPersistSec?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_SEC = 10;
export const DEFAULT_CONTROL_PERSIST_SEC = 60;

// The directory of hsm's control sockets: short (a unix socket path has ~104 bytes) and per user.
export function defaultControlDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : homedir().length;
  return join(tmpdir(), `hsm-ssh-${uid}`);
}

// ssh options common to every connection (everything except destination and command).
export function buildSshOptionArgs(options: SshClientOptions = {}): string[] {
  const args: string[] = [];
  if (options.configFile) args.push('-F', options.configFile);
  for (const o of options.options ?? []) args.push('-o', checkSshOption(o));
  // BatchMode: never prompt for a password or a host key on a terminal nobody watches
  args.push('-o', 'BatchMode=yes');
  args.push(
    '-o',
    `ConnectTimeout=${Math.max(1, Math.ceil(options.connectTimeoutSec ?? DEFAULT_CONNECT_TIMEOUT_SEC))}`,
  );
  // an unresponsive server (hung host, unplugged link) ends the session instead of hanging
  // (3 s x 2 unanswered: a lost link is reported within ~6-9 s, not ~20 s)
  args.push('-o', 'ServerAliveInterval=3', '-o', 'ServerAliveCountMax=2');
  const controlPath =
    options.controlPath === undefined ? join(defaultControlDir(), '%C') : options.controlPath;
  if (controlPath === null) {
    args.push('-o', 'ControlMaster=no', '-o', 'ControlPath=none');
  } else {
    // auto: the first command to a host becomes the master, later ones share its connection;
    // if two race, the loser falls back to its own connection (no error)
    args.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${controlPath}`);
    args.push('-o', `ControlPersist=${options.controlPersistSec ?? DEFAULT_CONTROL_PERSIST_SEC}`);
  }
  return args;
}

// argv of `ssh` running one remote command line on `destination` over an exec channel (no pty:
// stdout and stderr stay apart and `\n` stays `\n`). The command line is given to the remote
// login shell as one word, exactly as typed; `--` ends ssh's options so a destination can never
// be read as one.
export function buildSshArgv(
  destination: string,
  remoteCommand: string,
  options: SshClientOptions = {},
): string[] {
  checkDestination(destination);
  return ['ssh', ...buildSshOptionArgs(options), '-T', '--', destination, remoteCommand];
}

// argv of `ssh -O exit` for a destination: stops its master connection.
export function buildSshControlExitArgv(destination: string, options: SshClientOptions = {}): string[] {
  return buildSshControlArgv(destination, 'exit', options);
}

// argv of `ssh -O check|exit` for a destination (is its master up / stop it).
export function buildSshControlArgv(
  destination: string,
  command: 'check' | 'exit',
  options: SshClientOptions = {},
): string[] {
  checkDestination(destination);
  return ['ssh', ...buildSshOptionArgs(options), '-O', command, '--', destination];
}

function checkDestination(destination: string): void {
  if (destination === '' || destination.startsWith('-') || /[\s\0]/.test(destination)) {
    throw new HsmError('usage', `Invalid ssh destination \`${destination}\`.`, {
      hint: 'A destination is a host name, an ssh_config alias or user@host; it cannot start with `-` or contain spaces.',
    });
  }
}

// Validates one `-o` option; refuses turning host key checking off.
export function checkSshOption(option: string): string {
  const m = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*?)\s*$/.exec(option);
  if (!m || m[2] === '') {
    throw new HsmError('usage', `Invalid ssh option \`${option}\`.`, {
      hint: 'Give ssh options as Key=Value, e.g. --ssh-option Port=2222 --ssh-option User=alice.',
    });
  }
  if (/^stricthostkeychecking$/i.test(m[1]!) && /^(no|off)$/i.test(m[2]!)) {
    throw new HsmError('usage', `hsm does not turn off host key checking (\`${option}\`).`, {
      hint:
        'Add the hosts to known_hosts (ssh-keyscan HOST >> ~/.ssh/known_hosts after checking the fingerprints), ' +
        'or use StrictHostKeyChecking=accept-new to trust hosts on first contact only.',
    });
  }
  return `${m[1]}=${m[2]}`;
}
