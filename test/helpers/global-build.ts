import { buildCli } from './cli.js';

// vitest's global setup: the CLI is built once, before any test file starts. Test files run two at
// a time; a build per file rewrote dist/cli.js while the other file's tests were starting hsm.
export default function setup(): void {
  buildCli();
  process.env.HSM_TEST_BUILT = '1'; // the test files' processes inherit it
}
