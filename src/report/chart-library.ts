import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HsmError } from '../domain/errors.js';

// Chart.js (a dependency of hsm) in its UMD build, the text pages inline so that they draw without a
// network: read from the installed package once per process.
let cached: string | null = null;

export function chartJsSource(): string {
  if (cached !== null) return cached;
  let file: string;
  try {
    // The package exports only its ES/CJS entry points; the UMD build sits beside them in dist/.
    file = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
    cached = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HsmError(
      'infra',
      `cannot read Chart.js, which the reports draw their charts with: ${(err as Error).message}`,
      {
        hint: 'reinstall hsm with its dependencies (`npm ci` in its directory, or `npm install hpc-sweep-manager`)',
      },
    );
  }
  return cached;
}
