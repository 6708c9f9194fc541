import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The order test files start in (two run at a time, each taking the next file when it is free).
// Files that use the one test Slurm cluster hold the Slurm test lock and spend most of their time
// waiting on the scheduler (a time limit alone is over a minute). Left in vitest's order they ran
// together near the end: one waited for the other's lock with its worker idle, and the last one was
// the suite's tail, a minute with one worker idle. So they are spread out over the first two thirds
// of the order, a run of other files between two of them: while one waits on Slurm, the other
// worker does CPU work, and is rarely in a Slurm file too. Those that disrupt Slurm (exclusive lock)
// come first, then those that share it; within each, the longest declared test timeout first (the
// slow ones must not be the tail). The other files keep vitest's order.

type Kind = 'exclusive' | 'shared' | 'other';

interface Classified {
  spec: TestSpecification;
  kind: Kind;
  /** The file's longest declared test timeout (ms), 0 when none: how long it may take. */
  longest: number;
}

function classify(spec: TestSpecification): Classified {
  let text = '';
  try {
    text = readFileSync(spec.moduleId, 'utf8');
  } catch {
    /* not readable: vitest will say so */
  }
  const kind: Kind = /useSlurmLock\(\s*'exclusive'/.test(text)
    ? 'exclusive'
    : /useSlurmLock\(\s*'shared'/.test(text)
      ? 'shared'
      : 'other';
  const timeouts = [...text.matchAll(/\},\s*([\d_]{4,})\s*\)/g)].map((m) => Number(m[1]!.replace(/_/g, '')));
  return { spec, kind, longest: Math.max(0, ...timeouts) };
}

export default class SlurmSpreadSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const all = (await super.sort(files)).map(classify);
    const slurm = [
      ...all.filter((f) => f.kind === 'exclusive').sort((a, b) => b.longest - a.longest),
      ...all.filter((f) => f.kind === 'shared').sort((a, b) => b.longest - a.longest),
    ];
    const others = all.filter((f) => f.kind === 'other');
    if (slurm.length === 0) return others.map((f) => f.spec);
    const gap = Math.max(1, Math.floor((others.length * 2) / 3 / slurm.length));
    const order: Classified[] = [];
    for (const f of slurm) order.push(f, ...others.splice(0, gap));
    return [...order, ...others].map((f) => f.spec);
  }
}
