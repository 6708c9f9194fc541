import { HsmError } from '../../domain/errors.js';
import type { PbsFlavour } from './pbs-flavour.js';

// A PBS source's resource fields turned into #PBS directive lines. Values go into the script's text,
// which qsub parses: a value is refused (never quoted or cut) when it holds what would end the line
// or the word (control characters, whitespace), so no value can add a directive or a command.

export interface PbsResources {
  queue?: string;
  account?: string;
  walltimeMs?: number;
  /** PBS Pro select statement, verbatim (`2:ncpus=8:mem=32gb`). */
  select?: string;
  /** Further `-l` resources, verbatim (`place=scatter`, Torque `nodes=2:ppn=4`). */
  resources?: string;
  mem?: string | number;
  ncpus?: number;
  ngpus?: number;
  /** Lines written as they are (`-m abe`, `#PBS -P proj`). */
  extraDirectives?: readonly string[];
}

function word(field: string, value: string): string {
  if (value === '' || /[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new HsmError(
      'config',
      `the PBS source's ${field} ${JSON.stringify(value)} contains whitespace or a control character (or is empty)`,
      {
        hint: `write ${field} as one word, as qsub takes it (e.g. ${field === 'queue' ? 'workq' : field === 'select' ? '1:ncpus=4:mem=16gb' : 'walltime=01:00:00'})`,
      },
    );
  }
  return value;
}

/** `16G`, `16GB`, `16gb`, `500m` -> PBS's `16gb`, `500mb`; a bare number is megabytes. */
export function pbsSize(field: string, value: string | number): string {
  const m = /^\s*(\d+)\s*(?:([kmgtKMGT])[bB]?|([bB]))?\s*$/.exec(String(value));
  if (!m) {
    throw new HsmError('config', `the PBS source's ${field} ${JSON.stringify(String(value))} is not a size`, {
      hint: `write ${field} as a number with a unit: 500mb, 16gb (or 16G); a bare number is megabytes`,
    });
  }
  if (m[3]) return `${m[1]}b`;
  return `${m[1]}${(m[2] ?? 'm').toLowerCase()}b`;
}

/** ms -> `HH:MM:SS` (hours may pass 24), rounded up to the second. */
export function pbsWalltime(ms: number): string {
  const total = Math.max(1, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

/** The #PBS lines for the resources, in a fixed order. */
export function resourceDirectives(flavour: PbsFlavour, r: PbsResources): string[] {
  const lines: string[] = [];
  if (r.queue !== undefined) lines.push(`#PBS -q ${word('queue', r.queue)}`);
  if (r.account !== undefined) lines.push(`#PBS -A ${word('account', r.account)}`);
  if (r.walltimeMs !== undefined) lines.push(`#PBS -l walltime=${pbsWalltime(r.walltimeMs)}`);
  const mem = r.mem === undefined ? undefined : pbsSize('mem', r.mem);
  const picked = [
    r.ncpus !== undefined && `ncpus=${r.ncpus}`,
    mem !== undefined && `mem=${mem}`,
    r.ngpus !== undefined && `ngpus=${r.ngpus}`,
  ].filter((x): x is string => typeof x === 'string');
  if (flavour === 'pro') {
    if (r.select !== undefined && picked.length) {
      throw new HsmError('config', 'the PBS source sets both `select:` and `ncpus:`/`mem:`/`ngpus:`', {
        hint: 'give the whole chunk in `select:` (e.g. 1:ncpus=4:mem=16gb:ngpus=1), or drop `select:` and let hsm build it from ncpus/mem/ngpus',
      });
    }
    if (r.select !== undefined) lines.push(`#PBS -l select=${word('select', r.select)}`);
    else if (picked.length) lines.push(`#PBS -l select=1:${picked.join(':')}`);
  } else {
    if (r.select !== undefined) {
      throw new HsmError('config', 'the PBS source has `select:`, which Torque does not understand', {
        hint: 'on Torque use `ncpus:`, `ngpus:` and `mem:` (hsm writes nodes=1:ppn=N:gpus=G and mem=M), or `resources: nodes=2:ppn=4`; `flavour: pro` if the server is PBS Pro',
      });
    }
    if (r.ncpus !== undefined || r.ngpus !== undefined)
      lines.push(`#PBS -l nodes=1:ppn=${r.ncpus ?? 1}${r.ngpus !== undefined ? `:gpus=${r.ngpus}` : ''}`);
    if (mem !== undefined) lines.push(`#PBS -l mem=${mem}`);
  }
  if (r.resources !== undefined) lines.push(`#PBS -l ${word('resources', r.resources)}`);
  for (const d of r.extraDirectives ?? []) {
    if (/[\u0000-\u001f\u007f]/.test(d)) {
      throw new HsmError(
        'config',
        `an extra_directives entry of the PBS source holds a line break or control character: ${JSON.stringify(d)}`,
        {
          hint: 'give each directive as its own list item, on one line (e.g. "-m abe")',
        },
      );
    }
    lines.push(d.startsWith('#PBS') ? d : `#PBS ${d}`);
  }
  return lines;
}
