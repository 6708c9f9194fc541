import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_VERSION } from './remote-helper.js';

// What this machine knows the node's copy was when its last push ended: a model of the copy
// (node-model.ts: derived from the plan, not listed by the node) and the push record (`shas` in
// the node's `.hsm/session-sync/`), kept in the project's `.hsm/session-sync/nodes/` with the
// token that push left beside the record on the node. A push hands that token to the node; when
// the token still names the record there and no entry of the copy changed since (the helper's
// `changed`: ctimes newer than the token's mtime), the node answers `HSM-SAME` (or applies a push
// planned on the model), and sends neither its listing nor its record: ~140 KB less output
// through the session for a 2,000-file project, and no hashing on the node. A stale or missing
// cache only costs the full read: the node checks it.

export interface NodeRecord {
  /** Names this record on the node (written by the push that made it); `-`: none. */
  token: string;
  /** The copy's entries (listing format: parseListing) when that push ended. */
  model: Buffer;
  /** The record: `shas` (written whole) and `shas.add` (what changed since, written whole). */
  shas: Buffer;
  added: Buffer;
  /** The node has gzip (data is compressed both ways). */
  gzip: boolean;
  /** The session's shell reads its input a line at a time (`HSM-LINES`: SessionInput.early). */
  lines: boolean;
}

export class NodeStateCache {
  private constructor(private readonly file: string) {}

  static of(localRoot: string, node: string, remoteRoot: string): NodeStateCache {
    const id = createHash('sha256').update(`${node}\0${remoteRoot}`).digest('hex').slice(0, 24);
    return new NodeStateCache(join(localRoot, '.hsm', 'session-sync', 'nodes', `${id}.bin`));
  }

  // The file: a JSON line (token, flags, the byte lengths of the two parts), then the model and
  // the record as they are (no base64 or JSON of ~250 KB on every push).
  get(): NodeRecord | null {
    try {
      const raw = readFileSync(this.file);
      const nl = raw.indexOf(10);
      const data = JSON.parse(raw.subarray(0, nl).toString('utf8')) as {
        version?: number;
        token?: string;
        model?: number;
        shas?: number;
        added?: number;
        gzip?: boolean;
        lines?: boolean;
        helper?: string;
      };
      // a record another version of the helper left is read again (this one may be missing there)
      if (data.version !== 6 || data.helper !== HELPER_VERSION || typeof data.token !== 'string') return null;
      const { model, shas, added } = data;
      if (
        typeof model !== 'number' ||
        typeof shas !== 'number' ||
        typeof added !== 'number' ||
        nl + 1 + model + shas + added !== raw.length
      )
        return null;
      const at = nl + 1 + model;
      return {
        token: data.token,
        model: raw.subarray(nl + 1, at),
        shas: raw.subarray(at, at + shas),
        added: raw.subarray(at + shas),
        gzip: data.gzip === true,
        lines: data.lines === true,
      };
    } catch {
      return null;
    }
  }

  /** What the node's `state` is given: the record's token, or `-`. */
  static known(record: NodeRecord | null): string {
    return record && /^[0-9a-f]{16,64}$/.test(record.token) ? record.token : '-';
  }

  /** A new token for the record a push is about to leave. */
  static newToken(): string {
    return randomBytes(12).toString('hex');
  }

  save(record: NodeRecord): void {
    this.prepare(record)();
  }

  /**
   * Writes the record beside the cache (the slow part, done while the node applies a push) and
   * returns what makes it the cache: call it once the node has applied the push, or not at all.
   */
  prepare(record: NodeRecord): () => void {
    if (NodeStateCache.known(record) === '-') return () => this.drop();
    const tmp = `${this.file}.${process.pid}`;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      const head = {
        version: 6,
        token: record.token,
        model: record.model.length,
        shas: record.shas.length,
        added: record.added.length,
        gzip: record.gzip,
        lines: record.lines,
        helper: HELPER_VERSION,
      };
      writeFileSync(
        tmp,
        Buffer.concat([Buffer.from(JSON.stringify(head) + '\n'), record.model, record.shas, record.added]),
      );
    } catch {
      return () => undefined; // a read-only project: the next push reads the node's side whole
    }
    return () => {
      try {
        renameSync(tmp, this.file);
      } catch {
        /* as above */
      }
    };
  }

  /** Removes what prepare wrote (the push was not applied). */
  discard(): void {
    rmSync(`${this.file}.${process.pid}`, { force: true });
  }

  drop(): void {
    rmSync(this.file, { force: true });
  }
}
