import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The node's stat listing and push record (`stat`, `shas` in its `.hsm/session-sync/`) as this
// machine last saw them, kept in the project's `.hsm/session-sync/nodes/`. A push hands their
// sha256s to the node's `state`; when the copy is untouched since (its listing is that stat
// listing) and both still match, the node answers `HSM-SAME` and sends neither: ~140 KB less
// output through the session for a 2,000-file project. A stale or missing cache only costs the
// full read: the node checks it.

export interface NodeRecord {
  stat: Buffer;
  shas: Buffer;
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
        stat?: string;
        shas?: string;
      };
      if (data.version !== 1 || typeof data.stat !== 'string' || typeof data.shas !== 'string') return null;
      return { stat: Buffer.from(data.stat, 'base64'), shas: Buffer.from(data.shas, 'base64') };
    } catch {
      return null;
    }
  }

  /** What the node's `state` is given: `sha256(stat),sha256(shas)`, or `-`. */
  static known(record: NodeRecord | null): string {
    if (!record) return '-';
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    return `${sha(record.stat)},${sha(record.shas)}`;
  }

  save(record: NodeRecord): void {
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      const data = { version: 1, stat: record.stat.toString('base64'), shas: record.shas.toString('base64') };
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
