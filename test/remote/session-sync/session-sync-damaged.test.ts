import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { pushThroughSession, type SessionShell } from '../../../src/remote/session-sync/index.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { here, infra, NODE, onNode, openNode24 } from './node24.js';

// A push whose data is altered on the way (a relay that rewrites a character): the node keeps a
// chunk only when its sha256 matches, the damaged one is typed again, and the chunks that arrived
// intact in the same command (the last one among them, kept where it was decoded for the apply)
// are not. node24 through a pty-only session.
const SUMS = `find . -mindepth 1 -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;

describe.runIf(infra !== null)('sync through a session: data damaged on the way (node24)', () => {
  const { transport, shell: plain } = openNode24();
  const base = `hsm-ssync-damaged/${process.pid}-${randomBytes(3).toString('hex')}`;
  afterAll(async () => {
    await transport.close();
    onNode(`rm -rf ${base}`);
  });

  test('the first chunk of a push arrives damaged: it alone is sent again, then the push is applied', async () => {
    const project = makeTempDir('hsm-ssync-damaged-');
    // incompressible: 5 chunks of 64 KiB, typed as ~87 KB each, all in one command
    for (let i = 0; i < 5; i++) writeFileSync(join(project, `blob${i}.bin`), randomBytes(60_000));
    const pushes: { chunks: number; keys: string[] }[] = [];
    let damaged = 0;
    const shell: SessionShell = {
      node: NODE,
      run: async (command, options) => {
        const input = options.input;
        let sent = options;
        if (input && damaged === 0) {
          damaged++;
          // one base64 character of the first chunk's first line changed
          const b = input.blocks[0]!;
          const at = b.indexOf('#') + 10;
          const blocks = [
            b.slice(0, at) + (b[at] === 'A' ? 'B' : 'A') + b.slice(at + 1),
            ...input.blocks.slice(1),
          ];
          sent = { ...options, input: { ...input, blocks } };
        }
        const r = await plain.run(command, sent);
        if (input) {
          const keys = [...r.stdout.matchAll(/^HSM-([A-Z]+)/gm)].map((m) => m[1]!);
          pushes.push({ chunks: keys.filter((k) => k === 'OK' || k === 'BAD').length, keys });
        }
        return r;
      },
    };
    const r = await pushThroughSession(shell, {
      localRoot: project,
      remoteRoot: `${base}/p`,
      chunkBytes: 65_536,
    });
    expect(damaged).toBe(1);
    expect(r.chunks_sent).toBe(5);
    // the first command: 1 damaged, 4 intact (not applied); the second: the damaged one only
    expect(pushes.map((p) => p.chunks)).toEqual([5, 1]);
    expect(pushes[0]!.keys.filter((k) => k === 'BAD')).toHaveLength(1);
    expect(pushes[0]!.keys).not.toContain('APPLIED');
    expect(onNode(`cd ${base}/p && ${SUMS}`)).toBe(here(project, SUMS));
    // nothing of the transfer is left beside the copy
    expect(onNode(`ls -A ${base}/p/.hsm/session-sync/chunks`)).toBe('');
  }, 60_000);
});
