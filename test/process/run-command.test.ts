import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/process/run-command.js';

// A program handed input on stdin that ends without reading it (rsync `--files-from=-` whose ssh
// connection failed at once): its result, never an EPIPE that ends hsm with a stack trace.

describe('runCommand with input', () => {
  it('a program that exits without reading its input: its exit, no crash', async () => {
    // far more than a pipe holds, so the write is still under way when the program has gone
    const input = 'x'.repeat(8 << 20);
    for (let i = 0; i < 5; i++) {
      const r = await runCommand(['sh', '-c', 'echo gone >&2; exit 7'], { input });
      expect(r).toMatchObject({ exitCode: 7, stderr: 'gone\n', error: null });
    }
  });

  it('a program that reads its input gets all of it', async () => {
    const r = await runCommand(['wc', '-c'], { input: 'y'.repeat(1 << 20) });
    expect(r.stdout.trim()).toBe(String(1 << 20));
  });
});
