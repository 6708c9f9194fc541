import { execFileSync } from 'node:child_process';
import { createShellTransport, type ShellTransport } from '../../../src/remote/shell/index.js';
import { sessionShellOf, type SessionShell } from '../../../src/remote/session-sync/index.js';
import { PTY_ONLY_SHELL_COMMAND } from '../../helpers/pty-only.js';
import { sshInfra } from '../shell/shell-test-helpers.js';

// node24 of the test infrastructure belongs to the sync-through-a-session tests: sessions to it
// through the pty-only wrapper (nothing but an interactive shell), and its side checked over ssh.

export const infra = sshInfra();
export const NODE = 'node24';

/** A command on node24 over plain ssh (the test's own look at the node, not hsm's way in). */
export function onNode(command: string): string {
  return execFileSync('ssh', ['-F', infra!.config, NODE, command], { encoding: 'utf8' });
}

/** A command here, in `dir`. */
export function here(dir: string, command: string): string {
  return execFileSync('sh', ['-c', command], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** A shell transport through the pty-only wrapper, and node24's session in it. */
export function openNode24(): { transport: ShellTransport; shell: SessionShell } {
  const transport = createShellTransport({ shellCommand: PTY_ONLY_SHELL_COMMAND, connectTimeoutMs: 20_000 });
  return { transport, shell: sessionShellOf(transport, { name: NODE, target: NODE }) };
}
