// Telling ssh's own failures from the command's: ssh exits 255 both when it cannot connect and
// when the remote shell was killed by a signal (or ran `exit 255`). hsm's remote prologue writes
// a marker to stderr first thing (remote-command.ts), so text BEFORE the marker is ssh's own and
// a missing marker means the command never started. After the marker, only ssh's connection-lost
// messages count, and only with exit 255.

export type SshFailureKind =
  | 'connection_refused'
  | 'connect_timeout'
  | 'host_key_changed'
  | 'host_key_unknown'
  | 'auth_failed'
  | 'unknown_host'
  | 'no_route'
  | 'connection_lost'
  | 'ssh_error';

export interface SshFailure {
  kind: SshFailureKind;
  /** One line for people: `connection refused (ssh: connect to host ... : Connection refused)`. */
  message: string;
}

const DESCRIPTIONS: Record<SshFailureKind, string> = {
  connection_refused: 'connection refused (no sshd listening)',
  connect_timeout: 'connection timed out (host down, hung or unreachable)',
  host_key_changed: 'HOST KEY MISMATCH (the host key differs from known_hosts)',
  host_key_unknown: 'host key unknown (not in known_hosts)',
  auth_failed: 'authentication failed',
  unknown_host: 'unknown host name',
  no_route: 'no route to host',
  connection_lost: 'connection lost',
  ssh_error: 'ssh failed',
};

// Order matters: a changed host key also prints "Host key verification failed".
const BEFORE_COMMAND: [RegExp, SshFailureKind][] = [
  [/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/, 'host_key_changed'],
  [/host key is known for|Host key verification failed/, 'host_key_unknown'],
  [/Connection refused/, 'connection_refused'],
  [/timed out|Operation timed out/i, 'connect_timeout'],
  [/Permission denied \(|Too many authentication failures/, 'auth_failed'],
  [/Could not resolve hostname|Name or service not known/, 'unknown_host'],
  [/No route to host|Network is unreachable/, 'no_route'],
  [
    /Connection reset|Connection closed|kex_exchange_identification|Broken pipe|mux_client/,
    'connection_lost',
  ],
];
const AFTER_COMMAND =
  /^(Timeout, server .* not responding\.?|client_loop: .*|Connection to .* closed by remote host\.?)$/m;

// Classifies an ssh run: `commandStarted` = the prologue's marker was seen. Returns null when the
// result is the command's own (whatever its exit code).
export function classifySshFailure(
  exitCode: number | null,
  sshText: string,
  commandStarted: boolean,
): SshFailure | null {
  if (exitCode !== 255) return null;
  if (commandStarted) {
    const lost = AFTER_COMMAND.exec(sshText);
    return lost ? failure('connection_lost', lost[0]) : null;
  }
  for (const [re, kind] of BEFORE_COMMAND)
    if (re.test(sshText)) return failure(kind, evidenceLine(sshText, re));
  return failure('ssh_error', evidenceLine(sshText, /\S/) || 'ssh exited 255 before the command started');
}

// A connection that broke, known from elsewhere than ssh's text (its master is gone). Before the
// start-up line arrived, the command may or may not have started: the node's answer was lost.
export function connectionLost(commandStarted: boolean): SshFailure {
  return failure(
    'connection_lost',
    commandStarted
      ? 'the connection broke while the command ran'
      : "the connection broke before the command's start-up line arrived (it may have started)",
  );
}

function failure(kind: SshFailureKind, evidence: string): SshFailure {
  return { kind, message: `${DESCRIPTIONS[kind]}: ${evidence}` };
}

// The most telling line: the one matching, else the last non-empty one (ssh's banners are long).
function evidenceLine(text: string, re: RegExp): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^@+$/.test(l));
  const verification = lines.find((l) => /Host key verification failed/.test(l));
  const hit = lines.find((l) => re.test(l));
  if (hit && verification && hit !== verification && /IDENTIFICATION HAS CHANGED/.test(hit)) {
    const offending = lines.find((l) => /Offending .* key in/.test(l));
    return [hit.replace(/^@\s*|\s*@$/g, ''), offending, verification].filter(Boolean).join(' ');
  }
  return hit ?? lines[lines.length - 1] ?? '';
}
