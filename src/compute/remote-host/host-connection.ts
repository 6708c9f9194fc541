import type { TaskEnvironment } from '../command-script.js';
import type { SweepContext } from '../source-context.js';
import type { HostLink } from './host-link.js';
import { prepareHost } from './host-preparation.js';
import { runHostSetup } from './host-setup.js';
import type { RemoteLayout } from './remote-scripts.js';
import { setupHash } from './setup-hash.js';

// Getting one remote host ready for a sweep's tasks: the project checked (the sweep's verdict on
// this source), the host prepared (workdir, task root, runner, programs), then the source's setup
// (pip install ...), once per host and again only when its text or a project file it names
// changes (the hash). This host's tasks wait for it; the other hosts do not.

/** One remote host of a source, as the source's settings describe it. */
export interface HostSpec {
  /** The source's name in hsm_config.yaml. */
  sourceName: string;
  /** As the remote shell reads it: relative to the login directory, or absolute. */
  workdir: string;
  /** The workdir as written in hsm_config.yaml, for messages. */
  workdirDisplay: string;
  context: SweepContext;
  environment: TaskEnvironment;
  /** `setup:` commands, run in the project root on the host before its first task. */
  setup: readonly string[];
  /** Programs the transport needs on the host besides bash and base64. */
  tools: readonly string[];
  /** How a user puts a missing program on the PATH hsm sees there. */
  pathHint: string;
}

export interface ConnectRequest extends HostSpec {
  progress: (line: string) => void;
  /** The run has ended (a setup still running then goes on, detached). */
  closed: () => boolean;
}

export type Connection =
  | { kind: 'ready'; layout: RemoteLayout; cpus: number | null }
  /** Could not be reached: checked again with backoff. */
  | { kind: 'unreachable'; error: string }
  /** Reached, but refused (project differs, a program is missing, the setup failed): no tasks. */
  | { kind: 'refused'; message: string; hint: string; warning: string | null }
  | { kind: 'closed' };

export async function connectHost(link: HostLink, req: ConnectRequest): Promise<Connection> {
  const ctx = req.context;
  const verdict = ctx.verifyProject ? await ctx.verifyProject(req.sourceName) : null;
  if (verdict) return { kind: 'refused', message: verdict.message, hint: verdict.hint, warning: null };
  const p = await prepareHost(link, {
    sourceName: req.sourceName,
    workdir: req.workdir,
    workdirDisplay: req.workdirDisplay,
    sweepId: ctx.sweepId,
    programs: requiredPrograms(ctx.program, req.environment),
    tools: req.tools,
    pathHint: req.pathHint,
  });
  if (p.kind === 'refused') return { ...p, warning: `${p.message} ${p.hint}` };
  if (p.kind !== 'ready') return p;
  if (req.setup.length === 0) return p;
  const r = await runHostSetup(link, p.layout, {
    commands: req.setup,
    hash: setupHash(req.setup, ctx.projectRoot),
    workdirDisplay: req.workdirDisplay,
    sourceName: req.sourceName,
    progress: req.progress,
    closed: req.closed,
  });
  if (r.kind === 'closed') return r;
  if (r.kind === 'unreachable') return req.closed() ? { kind: 'closed' } : r;
  if (r.kind === 'failed')
    return { kind: 'refused', message: r.message, hint: r.hint, warning: `${r.message}\n${r.hint}` };
  req.progress(
    `${link.describe()}: setup ${r.skipped ? 'already done (unchanged): skipped' : `done in ${r.seconds.toFixed(1)} s`}`,
  );
  return p;
}

function requiredPrograms(program: string | undefined | null, env: TaskEnvironment): string[] {
  // a venv, conda env or module may put the program on PATH only when the task starts
  if (!program || program.includes('/') || env.venv || env.condaEnv || (env.modules?.length ?? 0) > 0)
    return [];
  return [program];
}
