import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteShellWord } from '../../domain/shell-quote.js';

// What ends the ssh clients and their remote commands when hsm itself dies without cleaning up
// (kill -9, a crash, the OOM killer). The clients run in their own sessions (setsid, NOTES.md), so
// no signal to hsm reaches them, and Node cannot ask the kernel to kill them with their parent
// (PR_SET_PDEATHSIG). Instead a tiny `sh`, started once per transport in its own session, blocks
// reading a pipe whose only writer is hsm. hsm keeps one cleanup script per running command in a
// private directory (kill the local client; once the remote process group is known, kill it too
// through a second ssh). hsm's death closes the pipe and the sh runs every script left. A normal
// end removes the scripts first, then closes the pipe: nothing runs.

const WATCHDOG_SCRIPT = 'read _; for f in "$1"/*.sh; do [ -f "$f" ] && sh "$f" & done; wait; rm -rf "$1"';

export class CleanupWatchdog {
  private dir: string | null = null;
  private child: ChildProcess | null = null;
  private nextId = 0;

  // Registers (or replaces) the cleanup of one command: argv lists run one after the other.
  // Returns the id to update or clear it with; a watchdog that cannot start returns -1 (the normal
  // cleanup paths still work, only kill -9 protection is lost).
  set(id: number | null, commands: readonly (readonly string[])[]): number {
    const dir = this.start();
    if (dir === null) return -1;
    const key = id ?? this.nextId++;
    const script = commands.map((argv) => argv.map(quoteShellWord).join(' ') + ' >/dev/null 2>&1').join('\n');
    try {
      writeFileSync(join(dir, `${key}.sh`), script + '\n');
    } catch {
      return -1;
    }
    return key;
  }

  clear(id: number): void {
    if (id < 0 || this.dir === null) return;
    try {
      unlinkSync(join(this.dir, `${id}.sh`));
    } catch {
      /* already gone */
    }
  }

  // Normal end: forget every script, then let the watchdog see the end of its pipe and exit.
  close(): void {
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.child?.stdin?.end();
    this.child = null;
  }

  private start(): string | null {
    if (this.dir !== null) return this.dir;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'hsm-cleanup-'));
      const child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'hsm-cleanup', dir], {
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true, // its own session: Ctrl-C, TERM or HUP aimed at hsm's group spare it
      });
      child.on('error', () => undefined);
      child.stdin!.on('error', () => undefined);
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      this.dir = dir;
      this.child = child;
      return dir;
    } catch {
      return null;
    }
  }
}
