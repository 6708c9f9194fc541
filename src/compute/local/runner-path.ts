import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Finds runner/hsm-runner.sh from the running code (dist/cli.js in the package, or src/ in tests).
export function findRunnerScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'runner', 'hsm-runner.sh');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('runner/hsm-runner.sh not found next to the hsm code');
}
