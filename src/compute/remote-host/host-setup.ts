import type { HostLink } from './host-link.js';
import type { RemoteLayout } from './remote-scripts.js';
import { followSetupScript, parseFollow, SETUP_CHUNK_BYTES, startSetupScript } from './setup-scripts.js';

// Runs a source's setup on one host and waits for it: started detached, its output shown line by
// line as it comes (`node21: setup [12s] Collecting numpy`), skipped when its hash is done already.
// Only this host's tasks wait for it.

const FOLLOW_EVERY_MS = 1000;
/** With no output for this long, say it still runs. */
const QUIET_NOTICE_MS = 15_000;
const TAIL_LINES = 20;

export type SetupOutcome =
  | { kind: 'done'; skipped: boolean; seconds: number }
  | { kind: 'unreachable'; error: string }
  | { kind: 'closed' }
  | { kind: 'failed'; message: string; hint: string };

export interface SetupRequest {
  commands: readonly string[];
  hash: string;
  /** Where the workdir is, as the user wrote it (messages). */
  workdirDisplay: string;
  sourceName: string;
  progress: (line: string) => void;
  closed: () => boolean;
}

export async function runHostSetup(
  link: HostLink,
  layout: RemoteLayout,
  req: SetupRequest,
): Promise<SetupOutcome> {
  const t0 = Date.now();
  const who = link.describe();
  const start = await link.run(startSetupScript(layout, req.commands, req.hash), 60_000, 'setup start');
  if (start.error) return { kind: 'unreachable', error: start.error };
  const verdict = /^HSMSETUP (\w+)(?: (.*))?$/m.exec(start.stdout);
  if (verdict?.[1] === 'skipped') return { kind: 'done', skipped: true, seconds: 0 };
  if (!verdict || verdict[1] === 'nowrite')
    return {
      kind: 'failed',
      message: `${who}: could not start the setup: ${verdict?.[2] ?? (start.stdout.trim() || start.stderr.trim())}`,
      hint: `Check that ${req.workdirDisplay} on ${link.host} is writable and its disk not full.`,
    };
  req.progress(
    `${who}: setup ${verdict[1] === 'running' ? 'already running, following it' : 'started'} (${req.commands.join('; ')})`,
  );
  let offset = 0;
  let partial = '';
  const tail: string[] = [];
  let lastOutput = Date.now();
  const elapsed = () => `${Math.round((Date.now() - t0) / 1000)}s`;
  const emit = (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const clean = line.replace(/\r/g, '').trimEnd();
      tail.push(clean);
      if (tail.length > TAIL_LINES) tail.shift();
      if (clean) req.progress(`${link.host}: setup [${elapsed()}] ${clean}`);
    }
  };
  for (;;) {
    if (req.closed()) return { kind: 'closed' };
    const r = await link.run(followSetupScript(layout, req.hash, offset), 30_000, 'setup follow');
    if (r.error) return { kind: 'unreachable', error: r.error };
    const p = parseFollow(r.stdout);
    if (!p)
      return {
        kind: 'failed',
        message: `${who}: cannot read the setup's progress: ${(r.stdout + r.stderr).trim().slice(-500)}`,
        hint: `Look at ${req.workdirDisplay}/.hsm/setup.log on ${link.host}.`,
      };
    if (p.chunk.length > 0) {
      offset += p.chunk.length;
      lastOutput = Date.now();
      emit(p.chunk.toString('utf8'));
    }
    const more = p.chunk.length >= SETUP_CHUNK_BYTES;
    if (!more && (p.rc !== null || !p.alive)) {
      if (partial) emit('\n');
      if (p.rc === 0) return { kind: 'done', skipped: false, seconds: (Date.now() - t0) / 1000 };
      return failure(link, req, tail, p.rc, p.diskAvailKb);
    }
    if (Date.now() - lastOutput >= QUIET_NOTICE_MS) {
      req.progress(
        `${link.host}: setup [${elapsed()}] still running (no output for ${QUIET_NOTICE_MS / 1000}s)`,
      );
      lastOutput = Date.now();
    }
    if (!more) await new Promise((r) => setTimeout(r, FOLLOW_EVERY_MS));
  }
}

function failure(
  link: HostLink,
  req: SetupRequest,
  tail: readonly string[],
  rc: number | null,
  diskAvailKb: number | null,
): SetupOutcome {
  const text = tail.join('\n').trim();
  const log = `${req.workdirDisplay}/.hsm/setup.log on ${link.host}`;
  const why =
    rc === null
      ? 'the setup process ended without an exit status (killed, or the host restarted)'
      : `the setup failed (exit ${rc})`;
  let hint = `Fix \`setup:\` of source ${req.sourceName} (its whole output is in ${log}); it runs again on the next run.`;
  if (/no space left|disk quota/i.test(text) || (diskAvailKb !== null && diskAvailKb < 1024))
    hint = `The disk of ${req.workdirDisplay} on ${link.host} is full (${diskAvailKb ?? '?'} KB free): free space there, then run again.`;
  else if (rc === 127 || /command not found|not found/i.test(text))
    hint = `A program the setup runs is not on the host's PATH: install it on ${link.host}, or give its full path in \`setup:\` of source ${req.sourceName}.`;
  return {
    kind: 'failed',
    message: `${link.describe()}: ${why}:${text ? `\n${text}` : ' (no output)'}`,
    hint,
  };
}
