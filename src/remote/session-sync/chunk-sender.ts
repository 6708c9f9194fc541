import { HsmError } from '../../domain/errors.js';
import { encodeChunk, lineOf, splitBlocks, type HelperOutput } from './data-lines.js';
import type { OpenPush } from './open-push.js';
import { runHelper, type SessionShell } from './session-shell.js';

// Sends chunks to the node's helper (`recv`), several per command (a command costs a round trip
// and a dozen process starts on the node: 38 chunks one by one took 16 s on a loaded machine).
// Each chunk is kept on the node only when its sha256 matches: a mismatch is sent once more,
// then reported. A session that dies mid-batch is replaced by the transport on the next command;
// the node is asked which chunks it holds (`have`) and only the others are sent again.

/** Typed text per acknowledged block, and blocks ahead of the node. */
const BLOCK_BYTES = 128 * 1024;
export const WINDOW = 4;
/** A batch ends at this much typed text or this many chunks. */
const BATCH_TYPED = 2 * 1024 * 1024;
const BATCH_CHUNKS = 8;
/** Session failures survived per batch (each time a new session). */
const SESSION_RETRIES = 3;
/**
 * A batch of at most this much typed text may be typed right behind its command (SessionInput.early):
 * with the command's own lines it stays within the 4 KiB a canonical-mode tty's input queue holds.
 */
const EARLY_TYPED = 3 * 1024;

interface Pending {
  sha: string;
  encoding: 'gz' | 'raw';
  text: string;
  /** Offset in the stream where this chunk ends (progress). */
  end: number;
}

export class ChunkSender {
  /** Bytes typed for file data (every attempt, as far as it got, counted). */
  wire = 0;
  /** Chunks the node confirmed. */
  sent = 0;
  private batch: Pending[] = [];
  private typed = 0;

  constructor(
    private readonly shell: SessionShell,
    private readonly root: string,
    private readonly gzip: boolean,
    private readonly call: { timeoutMs: number; signal?: AbortSignal },
    private readonly onArrived: (end: number) => void,
  ) {}

  async add(raw: Buffer, sha: string, end: number): Promise<void> {
    const { encoding, text } = encodeChunk(raw, this.gzip);
    this.batch.push({ sha, encoding, text, end });
    this.typed += text.length;
    if (this.typed >= BATCH_TYPED || this.batch.length >= BATCH_CHUNKS) await this.flush();
  }

  /**
   * Sends what is queued. With `apply` (the helper's apply arguments after the root), a batch sent
   * in one go is applied by the same command (`push`: one round trip less for a small push);
   * returns that command's output when it was (applied, or `HSM-STALE`: see the helper's apply),
   * else null. `early`: the session's shell reads its input a line at a time, so a small batch is
   * typed right behind its command (one round trip). `open`: a push command already running on
   * the node (open-push.ts) takes the first attempt when it can (else it is ended).
   */
  async flush(
    apply?: readonly string[],
    early = false,
    open: OpenPush | null = null,
  ): Promise<HelperOutput | null> {
    let pending = this.batch;
    let applied: HelperOutput | null = null;
    this.batch = [];
    this.typed = 0;
    const mismatches = new Map<string, number>();
    let failures = 0;
    while (pending.length > 0) {
      const text = pending.reduce((n, c) => n + c.text.length, 0);
      const chunkArgs = pending.flatMap((c) => [c.encoding, String(c.text.length), c.sha]);
      const blocks = pending.flatMap((c) => splitBlocks(c.text, BLOCK_BYTES));
      const onTyped = (block: string) => (this.wire += block.length);
      let out;
      try {
        // the first attempt of a push through the command already open on the node, if it can
        const opened =
          apply && open
            ? open.push({ chunks: pending, blockBytes: BLOCK_BYTES, blocks, apply, onTyped })
            : null;
        if (open && !opened) await open.quit();
        open = null;
        ({ out } = await (opened ??
          runHelper(
            this.shell,
            [
              ...(apply
                ? ['push', this.root, String(BLOCK_BYTES), String(pending.length)]
                : ['recv', this.root, String(BLOCK_BYTES)]),
              ...chunkArgs,
              ...(apply ?? []),
            ],
            {
              ...this.call,
              what: 'sending file data',
              input: {
                blocks,
                ack: 'HSM-ACK',
                window: WINDOW,
                early: early && failures === 0 && text <= EARLY_TYPED,
                onTyped,
              },
            },
          )));
      } catch (err) {
        apply = undefined; // after a failure, chunks first, the apply on its own
        if (!(err instanceof HsmError) || err.code !== 'infra' || ++failures >= SESSION_RETRIES) throw err;
        const have = await runHelper(this.shell, ['have', this.root, ...pending.map((c) => c.sha)], {
          ...this.call,
          what: 'checking which data arrived',
        });
        const held = new Set(have.out.lines.filter((l) => l.key === 'HAVE').map((l) => l.rest));
        pending = this.confirm(pending, held);
        continue;
      }
      const ok = new Set(out.lines.filter((l) => l.key === 'OK').map((l) => l.rest));
      const fail = lineOf(out, 'FAIL');
      if (fail !== undefined) {
        throw new HsmError('infra', `${this.shell.node} could not keep the data sent: ${fail}.`, {
          hint: 'Check the disk space and permissions under the directory on the node.',
        });
      }
      pending = this.confirm(pending, ok);
      if (apply && pending.length === 0 && out.lines.some((l) => l.key === 'APPLIED' || l.key === 'STALE'))
        applied = out;
      apply = undefined;
      for (const c of pending) {
        const n = (mismatches.get(c.sha) ?? 0) + 1;
        mismatches.set(c.sha, n);
        if (n >= 2) {
          throw new HsmError(
            'infra',
            `A chunk of file data did not arrive intact on ${this.shell.node} (its checksum differed twice).`,
            {
              hint: 'The session alters what is typed (a relay that rewrites input?); sync again to resume, or use another shell_command.',
            },
          );
        }
      }
    }
    return applied;
  }

  // Counts the chunks that arrived (in stream order, for progress) and returns the others.
  private confirm(pending: Pending[], arrived: ReadonlySet<string>): Pending[] {
    const left: Pending[] = [];
    for (const c of pending) {
      if (arrived.has(c.sha)) {
        this.sent++;
        this.onArrived(c.end);
      } else left.push(c);
    }
    return left;
  }
}
