// Bundles the CLI into one file for fast start-up (~110 ms vs ~150 ms for tsc output).
// Native modules stay external: they are loaded from node_modules at run time.
// Declarations for the package (dist/types) are a separate step, `npm run build:types` (run by prepack).
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: { cli: 'src/cli/main.ts', api: 'src/api/index.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  minify: true,
  external: ['better-sqlite3', 'node-pty'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  define: { __HSM_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
