import { join } from 'node:path';
import type { NodeTarget } from '../../../src/remote/types.js';
import { NO_INFRA, sshInfra as readSshInfra } from '../test-infra.js';

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

// The ssh test hosts of scripts/infra, read by the one reader of .test-infra.env (test-infra.ts): null
// only when HSM_TEST_NO_INFRA=1 was set on purpose; hosts missing otherwise are an error, for root
// and other users alike (never a silent skip).
export function sshInfra(): { config: string; hosts: string[] } | null {
  if (NO_INFRA) return null;
  const infra = readSshInfra();
  return { config: infra.configFile, hosts: infra.hosts };
}
