import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SshSchedulerClient } from '../../../src/compute/batch/ssh-scheduler-client.js';
import { SILENT_LOG } from '../../../src/engine/log-port.js';
import { NO_INFRA, sshInfra } from '../../remote/test-infra.js';

// The scheduler's commands on a login node over ssh: each word reaches the program as it was, through
// the remote login shell, whatever it holds (the one quoting function); an ssh failure of its own
// is told apart from the program's answer. node1 (a Slurm node's host) is only read here.

const HOSTILE = [
  "it's",
  '$(touch /tmp/hsm-pwned)',
  '`id`',
  '; echo injected',
  'a"b',
  'two  spaces',
  '*',
  '',
  '\\n',
  '--flag=x y',
];

describe.skipIf(NO_INFRA)('SshSchedulerClient', () => {
  const client = (options: string[] = []) =>
    new SshSchedulerClient(
      { destination: 'node1', client: { configFile: sshInfra().configFile, options } },
      SILENT_LOG,
      { HSM_ODD: 'x\'$(id)"y' },
    );

  it('hands every word and the env values to the program unchanged', async () => {
    const c = client();
    const r = await c.run({ argv: ['printf', '[%s]\\n', ...HOSTILE], timeoutMs: 30_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(HOSTILE.map((w) => `[${w}]\n`).join(''));
    const env = await client().run({ argv: ['printenv', 'HSM_ODD'], timeoutMs: 30_000 });
    expect(env.stdout).toBe('x\'$(id)"y\n');
    expect(c.counts.get('printf')).toBe(1);
    expect(existsSync('/tmp/hsm-pwned')).toBe(false); // the hosts share this filesystem
  });

  it("a program's own failure is its answer; a missing program is `missing`; ssh's failure is `unreachable`", async () => {
    const failed = await client().run({ argv: ['sh', '-c', 'echo no >&2; exit 4'], timeoutMs: 30_000 });
    expect(failed).toMatchObject({ exitCode: 4, missing: false, unreachable: null });
    const missing = await client().run({ argv: ['no-such-sbatch'], timeoutMs: 30_000 });
    expect(missing).toMatchObject({ missing: true, unreachable: null });
    const refused = await client(['Port=1']).run({ argv: ['true'], timeoutMs: 30_000 });
    expect(refused.exitCode).toBeNull();
    expect(refused.unreachable).toContain(
      'the login node node1 cannot be reached over ssh: connection refused',
    );
  });
});
