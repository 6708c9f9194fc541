import { quoteShellArgv } from '../../domain/shell-quote.js';
import type { NodeResult } from '../types.js';
import type { HelperOutput } from './data-lines.js';
import { runHelper, type SessionShell } from './session-shell.js';

// A push whose command goes to the node as the push begins, before this machine knows what it
// sends (the helper's `tty`): the node reads the command, starts the helper, the check of its
// copy (`find -cnewer token`) and the processes that will decode and checksum a small push's data
// while the local scan runs here. Then what is typed says what to do: `#LEN`, a small push's data
// (LEN bytes, read by those processes), then `#pushed ...` (so only head, tar and rm start on
// the node once the data is there); else `#0`, then `#push ...` with the data behind it, `#state`
// (the plan needs the node's own answer) or `#quit`. Used only when this machine holds what the last push left there
// (node-state-cache.ts); typed once the command's begin marker came (SessionInput.later), so the
// shell has read its command line. Every typed line starts with `#`: should the command have
// ended, the shell takes it for a comment.

/** At most this much data goes to the decoder started with the command (read in canonical mode). */
const PRE_BYTES = 8192;
/** The instruction line: well within the 4095 bytes of a canonical-mode tty line. */
const MAX_LINE = 3000;

export interface OpenChunk {
  sha: string;
  encoding: 'gz' | 'raw';
  /** The typed text, `#...\n` lines. */
  text: string;
}

export class OpenPush {
  private say!: (more: { blocks: readonly string[]; early: boolean }) => void;
  private said = false;
  private onTyped: ((block: string) => void) | null = null;
  private readonly answer: Promise<{ result: NodeResult; out: HelperOutput }>;

  /**
   * Starts `tty ROOT KNOWN PRUNE...` (PRUNE: find -path patterns) on the node (`gzip`: the node
   * has gzip, so its decoder expects gz data); null when the prunes cannot be typed on one line (a
   * control character in a name, or too long).
   */
  static start(
    shell: SessionShell,
    root: string,
    known: string,
    prunes: readonly string[],
    gzip: boolean,
    call: { timeoutMs: number; signal?: AbortSignal },
    window: number,
  ): OpenPush | null {
    if (!typeable(`#state ${quoteShellArgv(prunes)}\n`)) return null;
    return new OpenPush(shell, root, known, prunes, gzip, call, window);
  }

  private constructor(
    shell: SessionShell,
    root: string,
    known: string,
    private readonly prunes: readonly string[],
    private readonly gzip: boolean,
    call: { timeoutMs: number; signal?: AbortSignal },
    window: number,
  ) {
    const later = new Promise<{ blocks: readonly string[]; early: boolean }>(
      (resolve) => (this.say = resolve),
    );
    this.answer = runHelper(shell, ['tty', root, known, ...prunes], {
      ...call,
      what: 'sending file data',
      input: { blocks: [], ack: 'HSM-ACK', window, later, onTyped: (b) => this.onTyped?.(b) },
    });
    this.answer.catch(() => undefined); // awaited by whichever of push/state/quit is used
  }

  /**
   * The push: its chunks (their typed `blocks` of `blockBytes`, acknowledged by the node) and
   * apply's arguments; the node's answer. null, nothing typed, when the arguments cannot go on one
   * typed line (a control character in a name, too long): then the caller quits this command and
   * runs its own.
   */
  push(p: {
    chunks: readonly OpenChunk[];
    blockBytes: number;
    blocks: readonly string[];
    apply: readonly string[];
    onTyped: (block: string) => void;
  }): Promise<{ result: NodeResult; out: HelperOutput }> | null {
    if (this.said) return null;
    const c = p.chunks[0]!;
    let blocks: string[];
    if (p.chunks.length === 1 && c.encoding === (this.gzip ? 'gz' : 'raw') && c.text.length <= PRE_BYTES) {
      // read by the decoder started with the command
      const line = `#pushed ${quoteShellArgv([c.encoding, String(c.text.length), c.sha, ...p.apply])}\n`;
      if (!typeable(line)) return null;
      blocks = [`#${c.text.length}\n${c.text}${line}`];
    } else {
      const chunkArgs = p.chunks.flatMap((k) => [k.encoding, String(k.text.length), k.sha]);
      const line = `#push ${quoteShellArgv([String(p.blockBytes), String(p.chunks.length), ...chunkArgs, ...p.apply])}\n`;
      if (!typeable(line)) return null;
      const [first = '', ...rest] = p.blocks;
      blocks = ['#0\n' + line + first, ...rest];
    }
    this.onTyped = p.onTyped;
    this.tell(blocks);
    return this.answer;
  }

  /** The node's state, as its `state` command answers it for this push's token and prunes. */
  async state(): Promise<HelperOutput> {
    this.tell([`#0\n#state ${quoteShellArgv(this.prunes)}\n`]);
    return (await this.answer).out;
  }

  /** Ends the command when nothing was said to it, and waits for it (its errors are the user's). */
  async quit(): Promise<void> {
    this.tell(['#0\n#quit\n']);
    await this.answer.catch(() => undefined);
  }

  private tell(blocks: readonly string[]): void {
    if (this.said) return;
    this.said = true;
    this.say({ blocks, early: false });
  }
}

// One line a canonical-mode tty passes as is: no control character but its final newline, and
// well within its 4095 bytes.
function typeable(line: string): boolean {
  return Buffer.byteLength(line) <= MAX_LINE && !/[\x00-\x09\x0b-\x1f\x7f]|\n./s.test(line);
}
