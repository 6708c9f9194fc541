import type { ChildProcess } from 'node:child_process';
import { hsmAsync, waitForExit } from '../helpers/cli.js';

// `hsm serve --port 0 --json` in a project, as a user starts it: resolves with the URL it prints.
export async function startServe(
  dir: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; url: string; base: string; token: string; stop: () => Promise<void> }> {
  const child = hsmAsync(['serve', '--port', '0', '--json', ...args], dir);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`hsm serve exited (${code}): ${err}`)));
  });
  const parsed = new URL(url);
  return {
    child,
    url,
    base: parsed.origin,
    token: parsed.searchParams.get('token')!,
    stop: async () => {
      child.kill('SIGTERM');
      await waitForExit(child);
    },
  };
}
