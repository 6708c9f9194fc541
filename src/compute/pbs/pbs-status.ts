import { parsePbsJobId, type PbsJobId } from './pbs-job-id.js';
import { readTorqueXml, type AttributeMap } from './torque-xml.js';

// What `qstat -f` says about each job, whichever format it came in: PBS Pro's `-F json`, Torque's
// `-x` XML, or the `Job Id: ...` / `attr = value` text both print without them. Each is read into
// flat attribute maps (`Resource_List.walltime`), then into one record per job.

export interface PbsJobStatus {
  id: PbsJobId;
  name: string | null;
  /** The one-letter state: Q R E F H S X B W T M U C. */
  state: string;
  substate: number | null;
  /** `Exit_status` (PBS Pro) / `exit_status` (Torque); null while the job has none. */
  exitStatus: number | null;
  walltimeUsedS: number | null;
  walltimeLimitS: number | null;
  memUsedKb: number | null;
  memLimitKb: number | null;
  runCount: number | null;
  comment: string | null;
  /** The job's variables (Variable_List): how hsm's own HSM_JOB_COMMENT is read back. */
  variables: Map<string, string>;
  /** First host of exec_host (`node1/0*2+node2/0` -> `node1`). */
  host: string | null;
}

/** Every job in qstat's output, in the order listed. Throws when the output is none of the formats. */
export function parseQstat(stdout: string): PbsJobStatus[] {
  const text = stdout.trim();
  if (text === '') return [];
  const maps = text.startsWith('{')
    ? readJson(text)
    : text.startsWith('<')
      ? readTorqueXml(text)
      : readText(text);
  return maps.flatMap((m) => {
    const job = toStatus(m);
    return job ? [job] : [];
  });
}

function readJson(text: string): AttributeMap[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // PBS Pro before 2021 writes values as they are: a backslash or control character in a variable
    // (Variable_List, a job name) makes the document invalid JSON. Escape them and read it again.
    doc = JSON.parse(repairJson(text));
  }
  const jobs = (doc as { Jobs?: Record<string, unknown> }).Jobs ?? {};
  return Object.entries(jobs).map(([id, attrs]) => {
    const map: AttributeMap = new Map([['Job_Id', id]]);
    flatten(attrs, '', map);
    return map;
  });
}

// Inside strings only: a backslash that starts no valid escape is doubled, control characters are escaped.
function repairJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (!inString) {
      inString = c === '"';
      out += c;
    } else if (c === '"') {
      inString = false;
      out += c;
    } else if (c === '\\') {
      const valid = /^(["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(text.slice(i + 1, i + 6));
      out += valid ? c + text[++i] : '\\\\';
    } else if (c < ' ') {
      out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    } else out += c;
  }
  return out;
}

function flatten(value: unknown, prefix: string, into: AttributeMap): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, into);
  } else if (prefix) {
    into.set(prefix, Array.isArray(value) ? value.join(',') : String(value));
  }
}

// `Job Id: 1234.server` then `    attr = value` lines; a long value continues on lines that start with
// a tab and are not themselves `attr = value` (PBS Pro and Torque wrap at ~80 columns).
function readText(text: string): AttributeMap[] {
  const jobs: AttributeMap[] = [];
  let job: AttributeMap | null = null;
  let lastKey: string | null = null;
  for (const line of text.split('\n')) {
    const head = /^Job Id:\s*(\S+)/.exec(line);
    if (head) {
      job = new Map([['Job_Id', head[1]!]]);
      jobs.push(job);
      lastKey = null;
      continue;
    }
    if (!job || line.trim() === '') continue;
    const attr = /^\s+([A-Za-z_][\w.]*) = ?(.*)$/.exec(line);
    if (attr) {
      lastKey = attr[1]!;
      job.set(lastKey, attr[2]!.trimEnd());
    } else if (lastKey && /^\s/.test(line)) {
      job.set(lastKey, job.get(lastKey)! + line.trim());
    }
  }
  return jobs;
}

function toStatus(m: AttributeMap): PbsJobStatus | null {
  const id = parsePbsJobId(m.get('Job_Id') ?? '');
  const state = m.get('job_state')?.trim();
  if (!id || !state) return null;
  const exit = get(m, 'Exit_status', 'exit_status');
  return {
    id,
    name: m.get('Job_Name') ?? null,
    state: state.slice(0, 1).toUpperCase(),
    substate: int(m.get('substate')),
    exitStatus: int(exit),
    walltimeUsedS: seconds(m.get('resources_used.walltime')),
    walltimeLimitS: seconds(m.get('Resource_List.walltime')),
    memUsedKb: kilobytes(m.get('resources_used.mem')),
    memLimitKb: kilobytes(m.get('Resource_List.mem')),
    runCount: int(m.get('run_count')),
    comment: m.get('comment') ?? null,
    variables: variables(m),
    host: firstHost(m.get('exec_host')),
  };
}

// JSON nests them (`Variable_List.NAME`); text and XML give one `A=1,B=2` list (a comma in a value
// is written `\,`).
function variables(m: AttributeMap): Map<string, string> {
  const vars = new Map<string, string>();
  for (const [k, v] of m) if (k.startsWith('Variable_List.')) vars.set(k.slice(14), v);
  const list = m.get('Variable_List');
  if (list !== undefined) {
    for (const item of list.split(/(?<!\\),/)) {
      const eq = item.indexOf('=');
      if (eq > 0) vars.set(item.slice(0, eq).trim(), item.slice(eq + 1).replace(/\\,/g, ','));
    }
  }
  return vars;
}

function get(m: AttributeMap, ...keys: string[]): string | undefined {
  for (const k of keys) if (m.has(k)) return m.get(k);
  return undefined;
}

function int(v: string | undefined): number | null {
  return v !== undefined && /^\s*-?\d+\s*$/.test(v) ? Number(v) : null;
}

/** `HH:MM:SS`, `MM:SS` or seconds. */
export function seconds(v: string | undefined): number | null {
  if (v === undefined) return null;
  const parts = v.trim().split(':');
  if (parts.length > 3 || !parts.every((p) => /^\d+$/.test(p))) return null;
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

const UNIT_KB: Record<string, number> = {
  b: 1 / 1024,
  w: 8 / 1024,
  kb: 1,
  kw: 8,
  mb: 1024,
  mw: 8192,
  gb: 1024 ** 2,
  gw: 8 * 1024 ** 2,
  tb: 1024 ** 3,
  tw: 8 * 1024 ** 3,
};

/** PBS sizes: `5620kb`, `16gb`, `123456b`, `100w` (words), a bare number of bytes. */
export function kilobytes(v: string | undefined): number | null {
  const m = v === undefined ? null : /^\s*(\d+)\s*([kmgt]?[bw])?\s*$/i.exec(v);
  if (!m) return null;
  return Math.round(Number(m[1]) * UNIT_KB[(m[2] ?? 'b').toLowerCase()]!);
}

function firstHost(v: string | undefined): string | null {
  const h = v?.split('+')[0]?.split('/')[0]?.trim();
  return h ? h.replace(/^\(/, '') : null;
}
