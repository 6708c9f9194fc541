import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The dashboard's page, scripts and styles: files shipped in the package (assets/dashboard/), read
// once at start-up. Only those files are served, by exact name: no path from a request ever reaches
// the file system here.

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  type: string;
  body: Buffer;
}

// Finds assets/dashboard/ from the running code (dist/cli.js in the package, or src/web/ in tests).
export function findAssetDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'assets', 'dashboard');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('assets/dashboard/index.html not found next to the hsm code');
}

/** name -> asset, for every file of the asset folder; `extra` adds generated ones (Chart.js). */
export function loadAssets(dir = findAssetDir(), extra: Record<string, Asset> = {}): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { type, body: readFileSync(join(dir, name)) });
  }
  for (const [name, asset] of Object.entries(extra)) assets.set(name, asset);
  return assets;
}
