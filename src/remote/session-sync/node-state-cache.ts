import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The node's stat listing and push record (`stat`, `shas` in its `.hsm/session-sync/`) as this
// machine last saw them, kept in the project's `.hsm/session-sync/nodes/` with the token the push
// that made them left beside them on the node. A push hands that token to the node's `state`;
// when the copy is untouched since (its listing is that stat listing) and the token still names
// the record there, the node answers `HSM-SAME` and sends neither: ~140 KB less output through
// the session for a 2,000-file project, and no hashing on the node. A stale or missing cache only
// costs the full read: the node checks it.

export interface NodeRecord {
  /** Names this record on the node (written by the push that made it); `-`: none. */
  token: string;
  stat: Buffer;
  shas: Buffer;
  /** The node has gzip (data is compressed both ways). */
  gzip: boolean;
}

export class NodeStateCache {
  private constructor(private readonly file: string) {}

  static of(localRoot: string, node: string, remoteRoot: string): NodeStateCache {
    const id = createHash('sha256').update(`${node}\0${remoteRoot}`).digest('hex').slice(0, 24);
    return new NodeStateCache(join(localRoot, '.hsm', 'session-sync', 'nodes', `${id}.json`));
  }

  get(): NodeRecord | null {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as {
        version?: number;
        token?: string;
        stat?: string;
        shas?: string;
        gzip?: boolean;
      };
      if (data.version !== 3 || typeof data.token !== 'string') return null;
      if (typeof data.stat !== 'string' || typeof data.shas !== 'string') return null;
      return {
        token: data.token,
        stat: Buffer.from(data.stat, 'base64'),
        shas: Buffer.from(data.shas, 'base64'),
        gzip: data.gzip === true,
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
    if (NodeStateCache.known(record) === '-') return this.drop();
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      const data = {
        version: 3,
        token: record.token,
        stat: record.stat.toString('base64'),
        shas: record.shas.toString('base64'),
        gzip: record.gzip,
      };
      writeFileSync(`${this.file}.${process.pid}`, JSON.stringify(data));
      renameSync(`${this.file}.${process.pid}`, this.file);
    } catch {
      /* a read-only project: the next push reads the node's side whole */
    }
  }

  drop(): void {
    rmSync(this.file, { force: true });
  }
}
