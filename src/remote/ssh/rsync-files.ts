import { quoteShellWord } from '../../domain/shell-quote.js';
import { runCommand, type CommandResult } from '../../process/run-command.js';
import { buildSshOptionArgs } from './ssh-argv.js';
import type { SshEndpoint } from './source-client.js';

// Files of one directory tree copied to or from the same tree on a host: one rsync over the ssh
// client of ssh-argv.ts (`-e`: the same options, host keys verified, the shared master
// connection). Both the ssh source's result collection and a batch source's remote sweep
// directory (job scripts sent, task records pulled back) go through here. The paths are given on
// stdin (`--files-from`), never on the command line: a sweep of 100,000 tasks is one call.

export interface RsyncFilesInput {
  endpoint: SshEndpoint;
  /** `fetch`: host -> here; `send`: here -> host. */
  direction: 'fetch' | 'send';
  /** The tree on the host, as the login shell reads it (absolute, or relative to the login directory). */
  remoteDir: string;
  localDir: string;
  /** Relative to both trees; one ending in `/` is a directory, copied with everything under it. */
  paths: readonly string[];
  /** Listed directories are made equal to the sender's: what the receiver has beyond it goes. */
  mirror?: boolean;
  /** rsync filter patterns left out (and, with `mirror`, kept on the receiver). */
  exclude?: readonly string[];
  timeoutMs?: number;
}

export async function rsyncFiles(input: RsyncFilesInput): Promise<CommandResult & { ms: number }> {
  const t0 = performance.now();
  const shell = ['ssh', ...buildSshOptionArgs(input.endpoint.client)].map(quoteShellWord).join(' ');
  const remote = `${input.endpoint.destination}:${input.remoteDir}/`;
  const local = `${input.localDir}/`;
  const r = await runCommand(
    [
      'rsync',
      '-a',
      '-r',
      // the receiver's files belong to whoever receives them (rsync as root would hand them to the
      // sender's uid)
      '--no-owner',
      '--no-group',
      '--protect-args',
      ...(input.mirror ? ['--delete'] : []),
      ...(input.exclude ?? []).map((p) => `--exclude=${p}`),
      '--files-from=-',
      '-e',
      shell,
      ...(input.direction === 'fetch' ? [remote, local] : [local, remote]),
    ],
    { input: input.paths.join('\n') + '\n', timeoutMs: input.timeoutMs ?? 600_000 },
  );
  return { ...r, ms: performance.now() - t0 };
}
