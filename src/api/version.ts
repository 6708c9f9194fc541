import { readFileSync } from 'node:fs';

// The version hsm reports: package.json's, the one version literal. scripts/build.mjs inlines it into
// the bundle; run from the sources (the tests), it is read from package.json.
declare const __HSM_VERSION__: string | undefined;

export const VERSION: string = typeof __HSM_VERSION__ === 'string' ? __HSM_VERSION__ : readPackageVersion();

function readPackageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
