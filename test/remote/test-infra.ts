import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/wait.js';

// Where the real test infrastructure is (scripts/infra/up.sh writes .test-infra.env; scripts/test.sh
// exports it). Read from the environment, else from the file, so `npx vitest run test/remote`
// works too. Missing infrastructure is an error unless HSM_TEST_NO_INFRA=1 was set on purpose.

export interface SshInfra {
  configFile: string;
  hosts: string[];
  knownHosts: string;
  key: string;
  hostCtl: string;
  slurmConf: string;
  slurmNodes: string[];
  dir: string;
}

export const NO_INFRA = process.env.HSM_TEST_NO_INFRA === '1';

function readEnv(): Record<string, string | undefined> {
  const file = resolve(import.meta.dirname, '../../.test-infra.env');
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (m) fromFile[m[1]!] = m[2]!;
    }
  }
  return { ...fromFile, ...process.env };
}

// The sshd hosts and Slurm of scripts/infra/up.sh; throws a clear message when they are absent.
export function sshInfra(): SshInfra {
  const env = readEnv();
  const config = env.HSM_TEST_SSH_CONFIG;
  if (!config || !existsSync(config)) {
    throw new Error(
      'The sshd test hosts are not running (HSM_TEST_SSH_CONFIG unset or missing). Start them with ' +
        '`sudo scripts/infra/up.sh` (or run `npm test`), or set HSM_TEST_NO_INFRA=1 to leave these tests out on purpose.',
    );
  }
  return {
    configFile: config,
    hosts: (env.HSM_TEST_SSH_HOSTS ?? '').split(',').filter(Boolean),
    knownHosts: env.HSM_TEST_SSH_KNOWN_HOSTS!,
    key: env.HSM_TEST_SSH_KEY!,
    hostCtl: env.HSM_TEST_HOST_CTL!,
    slurmConf: env.HSM_TEST_SLURM_CONF!,
    slurmNodes: (env.HSM_TEST_SLURM_NODES ?? '').split(',').filter(Boolean),
    dir: env.HSM_TEST_INFRA_DIR!,
  };
}

// A private ControlPath per test: a master connection left by another test would hide failures
// (an existing master keeps working when the host's sshd is stopped or its key changes).
export function privateControlPath(): string {
  return join(makeTempDir('hsm-cm-'), '%C');
}

// Waits (up to `ms`) until no process's command line starts with `pattern`; returns the pids still
// matching ('' when none). A remote kill travels over ssh, so "gone" is checked for a while (a
// loaded machine), not at once.
export async function waitForNoProcess(pattern: string, ms = 20_000): Promise<string> {
  const pids = () => {
    try {
      return execFileSync('pgrep', ['-f', `^${pattern}`], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return until(`no process ${pattern}`, () => pids() === '', ms).then(
    () => '',
    () => pids(),
  );
}

// Waits (up to `ms`) until a process whose command line starts with `pattern` runs; true when seen.
export async function waitForProcess(pattern: string, ms = 30_000): Promise<boolean> {
  const running = () => {
    execFileSync('pgrep', ['-f', `^${pattern}`], { stdio: 'ignore' }); // throws when none
    return true;
  };
  return until(`a process ${pattern}`, running, ms).then(
    () => true,
    () => false,
  );
}
