import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeTarget } from '../../../src/remote/types.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');
export const LOCAL: NodeTarget = { name: 'local', target: 'local' };

// The shells every behaviour test runs against: plain bash, bash with a hostile rc file, and dash
// (`sh -i`) with a hostile prompt.
export const LOCAL_SHELLS: { label: string; shellCommand: string; env?: NodeJS.ProcessEnv }[] = [
  { label: 'bash --norc -i', shellCommand: 'bash --norc -i' },
  {
    label: 'bash with a hostile rc file',
    shellCommand: `bash --rcfile ${join(FIXTURES, 'hostile.bashrc')} -i`,
  },
  {
    label: 'sh -i with a hostile prompt',
    shellCommand: 'sh -i',
    env: { ...process.env, ENV: join(FIXTURES, 'hostile.shrc') },
  },
];

// The ssh test hosts of scripts/infra (HSM_TEST_SSH_CONFIG / HSM_TEST_SSH_HOSTS from .test-infra.env).
// As root (CI) they must exist unless HSM_TEST_NO_INFRA=1 was set deliberately.
export function sshInfra(): { config: string; hosts: string[] } | null {
  let env: Record<string, string | undefined> = process.env;
  if (!env.HSM_TEST_SSH_CONFIG) {
    try {
      env = Object.fromEntries(
        readFileSync(join(import.meta.dirname, '../../../.test-infra.env'), 'utf8')
          .split('\n')
          .filter((l) => /^[A-Z_0-9]+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    } catch {
      /* no infra file */
    }
  }
  if (env.HSM_TEST_SSH_CONFIG && env.HSM_TEST_SSH_HOSTS) {
    return { config: env.HSM_TEST_SSH_CONFIG, hosts: env.HSM_TEST_SSH_HOSTS.split(',') };
  }
  if (process.env.HSM_TEST_NO_INFRA === '1' || process.getuid?.() !== 0) return null;
  throw new Error(
    'ssh test hosts are missing: run scripts/infra/up.sh (as root) or the suite through scripts/test.sh; set HSM_TEST_NO_INFRA=1 to skip them deliberately',
  );
}
