#!/usr/bin/env node
// Entry point of the `hsm` command: runs the bundled CLI (npm run build makes dist/cli.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('hsm: dist/cli.js is missing. Run `npm run build` in the hsm package directory.\n');
  process.exit(2);
}
// The bundle is minified for start-up time; with -v, stack traces map back to the sources.
if (process.argv.includes('-v') || process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);
await import(bundle);
