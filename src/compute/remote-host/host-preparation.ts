import { readFileSync } from 'node:fs';
import { findRunnerScript } from '../local/runner-path.js';
import type { HostLink } from './host-link.js';
import { parsePreflight, preflightScript, remoteLayout, type RemoteLayout } from './remote-scripts.js';

// Gets a host ready for a sweep's tasks in one script: the workdir and the sweep's task root made,
// the runner installed, the programs the tasks and the transport need checked. A problem comes back
// as what failed on the host and how to fix it.

export interface PreparationRequest {
  sourceName: string;
  workdir: string;
  workdirDisplay: string;
  sweepId: string;
  /** Programs tasks need on the host's PATH. */
  programs: readonly string[];
  /** Programs the transport needs there (besides bash and base64). */
  tools: readonly string[];
  /** How a user puts a missing program on the PATH hsm sees (depends on the transport). */
  pathHint: string;
}

export type Preparation =
  | { kind: 'ready'; layout: RemoteLayout; cpus: number | null }
  | { kind: 'unreachable'; error: string }
  | { kind: 'refused'; message: string; hint: string };

export async function prepareHost(link: HostLink, req: PreparationRequest): Promise<Preparation> {
  const r = await link.run(
    preflightScript({
      workdir: req.workdir,
      sweepId: req.sweepId,
      runnerText: readFileSync(findRunnerScript(), 'utf8'),
      programs: req.programs,
      extraTools: req.tools,
    }),
    60_000,
    'prepare',
  );
  if (r.error) return { kind: 'unreachable', error: r.error };
  const p = parsePreflight(r.stdout);
  if (p.problems.length > 0 || !p.root)
    return {
      kind: 'refused',
      ...describeProblems(link, req, p.problems, r.stdout + r.stderr, p.diskAvailKb),
    };
  return { kind: 'ready', layout: remoteLayout(p.root, req.sweepId), cpus: p.cpus };
}

function describeProblems(
  link: HostLink,
  req: PreparationRequest,
  problems: readonly { what: string; message: string }[],
  output: string,
  diskAvailKb: number | null,
): { message: string; hint: string } {
  const host = link.describe();
  const wd = req.workdirDisplay;
  const first = problems[0];
  if (!first)
    return {
      message: `${host}: the preparation script printed no project root.`,
      hint: output.trim().slice(-500),
    };
  if (first.what === 'missing') {
    const names = problems.filter((p) => p.what === 'missing').map((p) => p.message);
    return {
      message: `${host}: ${names.join(', ')} not found on the host's PATH.`,
      hint: `Install ${names.join(' and ')} on ${link.host} (${req.pathHint}); hsm needs ${['bash', 'base64', ...req.tools].join(', ')} there, and the tasks need their program.`,
    };
  }
  if (first.what === 'workdir' || first.what === 'tasks')
    return {
      message: `${host}: cannot create the workdir ${wd} (${first.message}).`,
      hint: `Set \`workdir:\` of source ${req.sourceName} to a directory the user can create and write, or create it on the host.`,
    };
  // dash's printf says "I/O error" for ENOSPC: the free space measured just before tells
  const full = /space|disk full/i.test(first.message) || (diskAvailKb !== null && diskAvailKb < 1024);
  return {
    message: `${host}: cannot write in the workdir ${wd}: ${first.message.replace(/\s+$/, '')}${full ? ` (disk full: ${diskAvailKb ?? 0} KB free)` : ''}.`,
    hint: full
      ? `The disk of ${wd} on ${link.host} is full: free space there (or point \`workdir:\` elsewhere).`
      : `Check that the user can write in ${wd} on ${link.host}.`,
  };
}
