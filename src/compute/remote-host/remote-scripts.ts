import { quoteShellWord as q } from '../../domain/shell-quote.js';

// The POSIX sh scripts hsm runs on a remote host (each one ssh call over the shared connection, or one
// command in the host's shell session). Every
// value is quoted by the one quoting function. Problems come back as `HSM! <what> <message>` lines,
// so that a failure names what failed on the host instead of a bare exit code.

/** Where hsm keeps its things on a host, under the project directory (never synced). */
export const HSM_DIR = '.hsm';

export interface RemoteLayout {
  /** The project root on the host, absolute (tasks run there). */
  root: string;
  runner: string;
  sweepDir: string;
  tasksDir: string;
}

export function remoteLayout(root: string, sweepId: string): RemoteLayout {
  const sweepDir = `${root}/${HSM_DIR}/sweeps/${sweepId}`;
  return { root, runner: `${root}/${HSM_DIR}/hsm-runner.sh`, sweepDir, tasksDir: `${sweepDir}/tasks` };
}

export interface PreflightInput {
  /** As the sync reads it: relative to the login directory, or absolute. */
  workdir: string;
  sweepId: string;
  runnerText: string;
  /** Programs the tasks need on the host's PATH. */
  programs: readonly string[];
  /** Programs the transport needs there besides bash and base64 (rsync for ssh, setsid for a session). */
  extraTools: readonly string[];
}

export interface PreflightResult {
  root: string | null;
  diskAvailKb: number | null;
  cpus: number | null;
  problems: { what: string; message: string }[];
}

// Creates the workdir and the sweep's task root, installs the runner (checked by size: a full disk
// can leave a short file behind a successful-looking write), and checks the programs tasks need.
export function preflightScript(input: PreflightInput): string {
  const bytes = Buffer.byteLength(input.runnerText, 'utf8');
  const programs = ['bash', 'base64', ...input.extraTools, ...input.programs].map(q).join(' ');
  return [
    `wd=${q(input.workdir)}`,
    `err=$(mkdir -p -- "$wd" 2>&1) || { printf 'HSM! workdir %s\\n' "$err"; exit 0; }`,
    `cd -- "$wd" 2>/dev/null || { printf 'HSM! workdir cannot enter it\\n'; exit 0; }`,
    `printf 'HSMROOT %s\\n' "$(pwd)"`,
    `err=$(mkdir -p ${q(`${HSM_DIR}/sweeps/${input.sweepId}/tasks`)} 2>&1) || { printf 'HSM! tasks %s\\n' "$err"; exit 0; }`,
    `df -Pk ${HSM_DIR} 2>/dev/null | awk 'NR==2 {print "HSMDISK", $4}'`,
    `t=${HSM_DIR}/hsm-runner.sh.$$`,
    `err=$( { printf '%s' ${q(input.runnerText)} >"$t"; } 2>&1)`,
    `if [ "$(wc -c <"$t" 2>/dev/null | tr -d ' ')" != ${bytes} ]; then rm -f "$t"; printf 'HSM! write %s\\n' "\${err:-short write}" | tr -s '\\n' ' '; echo; exit 0; fi`,
    `mv -f "$t" ${HSM_DIR}/hsm-runner.sh || { printf 'HSM! write cannot install the runner\\n'; exit 0; }`,
    `for p in ${programs}; do command -v "$p" >/dev/null 2>&1 || printf 'HSM! missing %s\\n' "$p"; done`,
    `printf 'HSMCPUS %s\\n' "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)"`,
    'exit 0',
  ].join('\n');
}

export function parsePreflight(stdout: string): PreflightResult {
  const result: PreflightResult = { root: null, diskAvailKb: null, cpus: null, problems: [] };
  for (const line of stdout.split('\n')) {
    if (line.startsWith('HSMROOT ')) result.root = line.slice(8);
    else if (/^HSMDISK \d+$/.test(line)) result.diskAvailKb = Number(line.slice(8));
    else if (line.startsWith('HSMCPUS ')) result.cpus = Number(line.slice(8)) || null;
    else if (line.startsWith('HSM! ')) {
      const rest = line.slice(5);
      const sp = rest.indexOf(' ');
      result.problems.push({
        what: sp < 0 ? rest : rest.slice(0, sp),
        message: sp < 0 ? '' : rest.slice(sp + 1).trim(),
      });
    }
  }
  return result;
}

/** The agent: reads RUN lines on stdin, starts each task at once (hsm-runner.sh agent). */
export function agentCommand(layout: RemoteLayout): string {
  return `cd ${q(layout.tasksDir)} && exec bash ${q(layout.runner)} agent`;
}

/** One line per task (`T dir attempt state pid rc`) and the host's load, memory and disk (`H ...`). */
export function statusScript(
  layout: RemoteLayout,
  attempts: readonly { dir: string; attempt: number }[],
): string {
  const args = attempts.map((a) => `${a.attempt} ${q(a.dir)}`).join(' ');
  return `cd ${q(layout.tasksDir)} && exec sh ${q(layout.runner)} status ${args}`;
}

/** Signals started tasks' process groups (`kill TERM|KILL`); withdraws the ones not started
 * (`withdraw` only withdraws). */
export function controlScript(
  layout: RemoteLayout,
  action: 'kill TERM' | 'kill KILL' | 'withdraw',
  attempts: readonly { dir: string; attempt: number }[],
): string {
  const args = attempts.map((a) => `${a.attempt} ${q(a.dir)}`).join(' ');
  return `cd ${q(layout.tasksDir)} && exec sh ${q(layout.runner)} ${action} ${args}`;
}

export interface TaskState {
  dir: string;
  attempt: number;
  state: 'exit' | 'run' | 'gone' | 'wait' | 'skip';
  pid: number;
  rc: number | null;
}

export interface HostState {
  load: string;
  memAvailKb: number | null;
  diskAvailKb: number | null;
}

export function parseStatus(stdout: string): { tasks: TaskState[]; host: HostState | null } {
  const tasks: TaskState[] = [];
  let host: HostState | null = null;
  for (const line of stdout.split('\n')) {
    const t = /^T (\S+) (\d+) (exit|run|gone|wait|skip) (\d+) (\S+)$/.exec(line);
    if (t) {
      tasks.push({
        dir: t[1]!,
        attempt: Number(t[2]),
        state: t[3] as TaskState['state'],
        pid: Number(t[4]),
        rc: t[5] === '-' ? null : Number(t[5]),
      });
      continue;
    }
    const h = /^H (\S+) (\S+) (\S+)$/.exec(line);
    if (h) host = { load: h[1]!, memAvailKb: Number(h[2]) || null, diskAvailKb: Number(h[3]) || null };
  }
  return { tasks, host };
}
