// Times generating 100,000 tasks (params, key, argv) from a sweep file, and counting them.
// Run: npx vitest bench --run bench/sweep-generate.bench.ts
import { bench, describe } from 'vitest';
import { countTasks, generateTasks, parseSweepText } from '../src/sweep/index.js';

const values = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
const { definition } = parseSweepText(
  `command: python train.py\nsweep:\n  grid:\n    seed: ${values(100)}\n    lr: ${values(100)}\n  paired:\n    - opt: {a: ${values(10)}, b: ${values(10)}}\n`,
);

describe('100,000 tasks', () => {
  bench('generateTasks', () => void generateTasks(definition!), { iterations: 5, warmupIterations: 1 });
  bench('countTasks', () => void countTasks(definition!));
});
