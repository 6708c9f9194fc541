import { isAbsolute, relative, dirname } from 'node:path';
import type { ProjectConfig } from '../config/project-config.js';
import { readSshSource, type SshSourceSpec } from '../config/ssh-source.js';
import { HsmError } from '../domain/errors.js';
import { quoteShellArgv } from '../domain/shell-quote.js';
import { sshFailureHint } from '../remote/ssh/ssh-failure-hint.js';
import { SshTransport } from '../remote/ssh/ssh-transport.js';
import { sshEndpointOf, type SshEndpoint } from '../remote/ssh/source-client.js';
import type { NodeTarget } from '../remote/types.js';
import type { RsyncPlan } from './rsync-argv.js';
import type { SyncOptions } from './sync-types.js';

// Where a sync happens: the local project, the ssh source and how to reach it, what is never
// synced. Also the one way sync runs a command on the host, turning ssh failures into errors that
// name the host and the fix.

export interface SyncSite {
  source: SshSourceSpec;
  endpoint: SshEndpoint;
  transport: SshTransport;
  node: NodeTarget;
  localRoot: string;
  /** The sweep output directory relative to the root ('' when outside it): never compared or synced. */
  outputDir: string;
  /** Directory of the default sweep file, relative to the root (config files are called out). */
  sweepDir: string;
  plan: RsyncPlan;
}

/** hsm's own directory in a project: never synced (room for hsm's state on the host). */
const HSM_DIR = '.hsm';

export function openSyncSite(config: ProjectConfig, sourceName: string, options: SyncOptions = {}): SyncSite {
  const source = readSshSource(config, sourceName);
  const endpoint = sshEndpointOf(source, {
    configFile: options.sshConfigFile,
    options: options.sshOptions,
    controlPath: options.controlPath,
    connectTimeoutSec: options.connectTimeoutSec,
  });
  const transport = new SshTransport(endpoint.client); // validates ssh_options once
  const root = config.projectRoot;
  const out = config.defaults.output_dir;
  const outRel = isAbsolute(out) ? relative(root, out) : out;
  const outputDir =
    outRel === '' || outRel.startsWith('..') || isAbsolute(outRel) ? '' : outRel.replace(/\/+$/, '');
  const protectedPaths = [`/${HSM_DIR}/`];
  if (outputDir !== '' && outputDir !== '.') protectedPaths.unshift(`/${outputDir}/`);
  return {
    source,
    endpoint,
    transport,
    node: { name: source.host, target: endpoint.destination },
    localRoot: root,
    outputDir: outputDir === '.' ? '' : outputDir,
    sweepDir: dirname(config.defaults.sweep_file),
    plan: {
      endpoint,
      workdir: source.workdir,
      rsyncPath: source.rsyncPath,
      protectedPaths,
      excludes: source.syncExclude,
    },
  };
}

/** `source `gpubox` (host gpubox)` for messages. */
export function describeSite(site: SyncSite): string {
  const s = site.source;
  return s.name === s.host ? `host ${s.host}` : `host ${s.host} (source ${s.name})`;
}

// Runs `argv` on the host (quoted word by word for its login shell) and returns its output. A
// connection failure is an infrastructure error naming the host and the fix.
export async function runOnHost(
  site: SyncSite,
  argv: readonly string[],
  what: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  return runCommandLineOnHost(site, quoteShellArgv(argv), what, options);
}

export async function runCommandLineOnHost(
  site: SyncSite,
  commandLine: string,
  what: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const r = await site.transport.run(site.node, commandLine, {
    timeoutMs: options.timeoutMs ?? 120_000,
    signal: options.signal,
  });
  if (r.error === 'interrupted' || options.signal?.aborted)
    throw new HsmError('interrupted', `Interrupted while ${what} on ${describeSite(site)}.`);
  if (r.error !== null) {
    throw new HsmError('infra', `Cannot reach ${describeSite(site)}: ${r.error}.`, {
      hint: sshFailureHint(site.source.host, r.error),
    });
  }
  if (r.timedOut)
    throw new HsmError('infra', `Timed out ${what} on ${describeSite(site)}.`, {
      evidence: tail(r.stderr),
      hint: 'Check the host with `ssh` (is it overloaded, is the disk hung?), then try again.',
    });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}

export function tail(text: string, lines = 8): string | undefined {
  const t = text.trim().split('\n').slice(-lines).join('\n');
  return t === '' ? undefined : t;
}
