import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeProject } from '../../helpers/cli.js';
import { sshInfra } from '../../remote/test-infra.js';
import { until } from '../../helpers/wait.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// A project whose hsm_config.yaml names a `type: ssm` source on the pty-only test hosts (node21..23
// belong to these tests), opened through test/fixtures/pty-only/ssh-tt: an interactive shell in a
// pseudo-terminal and nothing else (no exec channel, scp or rsync), as an SSM session gives.

export const PTY_ONLY = resolve(__dirname, '../../fixtures/pty-only/ssh-tt');
export const HOST_CTL = resolve(__dirname, '../../../scripts/infra/host-ctl.sh');

export function ssmProject(
  sweepYaml: string,
  source: { nodes: string; workdir: string; extra?: string },
  files: Record<string, string> = {},
) {
  const config = [
    'defaults:',
    '  output_dir: sweeps/outputs',
    'sources:',
    `  pty: {type: ssm, nodes: ${JSON.stringify(source.nodes)}, shell_command: ${JSON.stringify(`${PTY_ONLY} {node}`)}, workdir: ${JSON.stringify(source.workdir)}, lost_after: 4s${source.extra ? `, ${source.extra}` : ''}}`,
    '',
  ].join('\n');
  const dir = makeProject(sweepYaml, config);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir };
}

/** A host's home directory as seen from this machine (the test hosts share its file system). */
export function hostHome(host: string): string {
  return join(sshInfra().dir, 'hosts', host, 'home');
}

/** Puts the project's files into `workdir` (under the test user's home) on each node, as a user
 * who copied it there would. */
export function placeProject(dir: string, nodes: readonly string[], workdir: string): void {
  for (const node of nodes) {
    const target = join(hostHome(node), workdir);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    cpSync(dir, target, { recursive: true, filter: (src) => !src.includes('/sweeps/outputs') });
    execFileSync('chown', ['-R', 'hsmtest:hsmtest', join(hostHome(node), workdir.split('/')[0]!)]);
  }
}

/** A file every task appends `start|end <i> <host>` lines to (the hosts' user and this one write it). */
export function makeLedger(): string {
  const d = makeTempDir('hsm-ssm-ledger-');
  chmodSync(d, 0o777);
  const ledger = join(d, 'ledger');
  writeFileSync(ledger, '');
  chmodSync(ledger, 0o666);
  return ledger;
}

export function ledgerLines(ledger: string): string[] {
  return readFileSync(ledger, 'utf8').trim().split('\n').filter(Boolean);
}

/** How many times each task ended, by task number. */
export function endsByTask(ledger: string): Map<number, string[]> {
  const ends = new Map<number, string[]>();
  for (const l of ledgerLines(ledger)) {
    const m = /^end (\d+) (\S+)$/.exec(l);
    if (m) ends.set(Number(m[1]), [...(ends.get(Number(m[1])) ?? []), m[2]!]);
  }
  return ends;
}

export async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  return until('a condition', check, ms).then(
    () => true,
    () => false,
  );
}
