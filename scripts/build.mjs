// Bundles the CLI and the API for fast start-up. Code split: dist/cli.js holds commander and the
// command table; each command's module (and what it uses) is a chunk imported when that command runs,
// so `hsm --version` reads a small file and `hsm results` only what results needs.
// Native modules stay external: they are loaded from node_modules at run time.
// Declarations for the package (dist/types) are a separate step, `npm run build:types` (run by prepack).
// Tests build while other tests run hsm from dist/: each file is written whole (temp file + rename),
// and only when its content changed, so no process ever reads a half-written chunk.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outdir = resolve(dirname(new URL(import.meta.url).pathname), '..', 'dist');

const result = await build({
  entryPoints: { cli: 'src/cli/main.ts', api: 'src/api/index.ts' },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  minify: true,
  write: false,
  external: ['better-sqlite3', 'node-pty'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  define: { __HSM_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});

// The same CLI as one CommonJS file, dist/cli.cjs: bin/hsm.js compiles it with a V8 code cache for
// `hsm run` and `hsm complete` (Node 20 keeps no code cache for ES modules), whose start-up is
// mostly compiling hsm's code. import.meta.url is the file's own URL there too.
const cjs = await build({
  entryPoints: { cli: 'src/cli/main-cjs.ts' },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: true,
  write: false,
  external: ['better-sqlite3', 'node-pty'],
  banner: { js: `"use strict";const __hsm_import_meta_url=require('node:url').pathToFileURL(__filename).href;` },
  define: { __HSM_VERSION__: JSON.stringify(version), 'import.meta.url': '__hsm_import_meta_url' },
  logLevel: 'warning',
});

mkdirSync(outdir, { recursive: true });
const written = new Set();
for (const file of [...result.outputFiles, ...cjs.outputFiles]) {
  written.add(relative(outdir, file.path));
  let old = null;
  try {
    old = readFileSync(file.path);
  } catch {
    /* new file */
  }
  if (old !== null && Buffer.compare(old, file.contents) === 0) continue;
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}
// chunks of earlier builds (their content hash names no longer used)
for (const name of readdirSync(outdir))
  if (/^chunk-[A-Z0-9]+\.js(\.map)?$/.test(name) && !written.has(name)) rmSync(join(outdir, name), { force: true });
