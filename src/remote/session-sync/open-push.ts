import { quoteShellArgv } from '../../domain/shell-quote.js';
import type { NodeResult } from '../types.js';
import type { HelperOutput } from './data-lines.js';
import { runHelper, type SessionShell } from './session-shell.js';

// A push whose command goes to the node as the push begins, before this machine knows what it
// sends (the helper's `tty`): the node reads the command, starts the helper and the check of its
// copy (`find -cnewer token`) while the local scan runs here; then one line typed to the
// command's terminal says what to do: `#push ...` with the data right behind it, `#state` (the
// plan needs the node's own answer) or `#quit`. Used only when this machine holds what the last
// push left there (node-state-cache.ts) and the session's shell reads its input a line at a time,
// so the line may be typed whenever it is known (SessionInput.later). Every typed line starts with
// `#`: should the command have ended, the shell takes it for a comment.

/** The instruction line: well within the 4095 bytes of a canonical-mode tty line. */
const MAX_LINE = 3000;

export interface TypedPush {
  /** The data's typed blocks (the node acknowledges each with `ack`). */
  blocks: readonly string[];
  /** Type them without waiting for the command's begin marker (they fit the tty's queue). */
  early: (lineBytes: number) => boolean;
  onTyped: (block: string) => void;
}

export class OpenPush {
  private say!: (more: { blocks: readonly string[]; early: boolean }) => void;
  private said = false;
  private onTyped: ((block: string) => void) | null = null;
  private readonly answer: Promise<{ result: NodeResult; out: HelperOutput }>;

  /**
   * Starts `tty ROOT KNOWN PRUNE...` (PRUNE: find -path patterns) on the node; null when the
   * prunes cannot be typed on one line (a control character in a name, or too long).
   */
  static start(
    shell: SessionShell,
    root: string,
    known: string,
    prunes: readonly string[],
    call: { timeoutMs: number; signal?: AbortSignal },
    window: number,
  ): OpenPush | null {
    if (!typeable(`#state ${quoteShellArgv(prunes)}\n`)) return null;
    return new OpenPush(shell, root, known, prunes, call, window);
  }

  private constructor(
    shell: SessionShell,
    root: string,
    known: string,
    private readonly prunes: readonly string[],
    call: { timeoutMs: number; signal?: AbortSignal },
    window: number,
  ) {
    const later = new Promise<{ blocks: readonly string[]; early: boolean }>(
      (resolve) => (this.say = resolve),
    );
    this.answer = runHelper(shell, ['tty', root, known, ...prunes], {
      ...call,
      what: 'sending file data',
      input: { blocks: [], ack: 'HSM-ACK', window, early: true, later, onTyped: (b) => this.onTyped?.(b) },
    });
    this.answer.catch(() => undefined); // awaited by whichever of push/state/quit is used
  }

  /**
   * The push (the helper's push arguments after ROOT), its data typed behind the line; the node's
   * answer. null, nothing typed, when the arguments cannot go on one typed line (a control
   * character in a name, too long): then the caller quits this command and runs its own.
   */
  push(args: readonly string[], data: TypedPush): Promise<{ result: NodeResult; out: HelperOutput }> | null {
    const line = `#push ${quoteShellArgv(args)}\n`;
    if (this.said || !typeable(line)) return null;
    const [first = '', ...rest] = data.blocks;
    this.onTyped = data.onTyped;
    this.tell([line + first, ...rest], data.early(Buffer.byteLength(line)));
    return this.answer;
  }

  /** The node's state, as its `state` command answers it for this push's token and prunes. */
  async state(): Promise<HelperOutput> {
    this.tell([`#state ${quoteShellArgv(this.prunes)}\n`], true);
    return (await this.answer).out;
  }

  /** Ends the command when nothing was said to it, and waits for it (its errors are the user's). */
  async quit(): Promise<void> {
    this.tell(['#quit\n'], true);
    await this.answer.catch(() => undefined);
  }

  private tell(blocks: readonly string[], early: boolean): void {
    if (this.said) return;
    this.said = true;
    this.say({ blocks, early });
  }
}

// One line a canonical-mode tty passes as is: no control character but its final newline, and
// well within its 4095 bytes.
function typeable(line: string): boolean {
  return Buffer.byteLength(line) <= MAX_LINE && !/[\x00-\x09\x0b-\x1f\x7f]|\n./s.test(line);
}
