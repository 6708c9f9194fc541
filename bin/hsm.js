#!/usr/bin/env node
// Entry point of the `hsm` command: runs the bundled CLI (npm run build makes dist/cli.js and dist/cli.cjs).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const single = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('hsm: dist/cli.js is missing. Run `npm run build` in the hsm package directory.\n');
  process.exit(2);
}
const verbose = process.argv.includes('-v') || process.argv.includes('--verbose');
const command = process.argv[2];
if (!verbose && (command === 'run' || command === 'complete') && existsSync(single)) startCached(single);
else {
  // The bundle is minified for start-up time; with -v, stack traces map back to the sources.
  if (verbose) process.setSourceMapsEnabled(true);
  await import(bundle);
}

// `hsm run` and `hsm complete` start from dist/cli.cjs (the same CLI in one CommonJS file) compiled
// with a V8 code cache: compiling hsm's code is about a third of their start (docs/benchmarks.md),
// and Node 20 keeps no code cache for ES modules. The cache (dist/cache/cli-<content hash>.v8) is
// written at the end of the first such run that found none, whole (a temp file renamed into
// place); where dist/ is not writable, every run compiles as without it. V8 checks a cache against
// the length of the source only, so its name carries a hash of the content.
function startCached(file) {
  const source = readFileSync(file, 'utf8');
  const dir = join(dirname(file), 'cache');
  const name = `cli-${createHash('sha256').update(source).digest('hex').slice(0, 20)}.v8`;
  let cachedData;
  try {
    cachedData = readFileSync(join(dir, name));
  } catch {
    /* none yet */
  }
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => writeCache(script, dir, name));
  const module = new Module(file);
  module.filename = file;
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
}

// At exit: the functions this run compiled are in the cache too. Caches of earlier builds are removed.
function writeCache(script, dir, name) {
  const tmp = join(dir, `${name}.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, join(dir, name));
    for (const old of readdirSync(dir))
      if (old !== name && /^cli-[0-9a-f]+\.v8$/.test(old)) rmSync(join(dir, old), { force: true });
  } catch {
    rmSync(tmp, { force: true }); // a read-only or full disk: no cache, nothing left behind
  }
}
