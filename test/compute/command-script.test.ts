import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  renderTaskScript,
  taskScriptRenderer,
  type TaskEnvironment,
} from '../../src/compute/command-script.js';

// The local source renders command.sh through taskScriptRenderer (what every task shares quoted
// once): its scripts must be renderTaskScript's, byte for byte, whatever the environment and values.

const HOSTILE = `it's "q" $(touch /tmp/pwned) \`x\` ; rm -rf / \\ \n newline * ?`;
const place = { sweepId: 'sw_1', sweepDir: `/o/sw 1/${HOSTILE}`, projectRoot: `/p/${HOSTILE}` };
const tasks = [
  { task: 'task_001', key: 'k1', argv: ['python', 'train.py', 'lr=0.1'] },
  { task: 'task_002', key: 'k2', argv: ['sh', '-c', HOSTILE, ''] },
  { task: 'task_003', key: 'k3', argv: [] as string[] },
];
const environments: [string, TaskEnvironment][] = [
  ['none', {}],
  ['env', { env: { FOO: 'bar', QUOTED: HOSTILE } }],
  ['modules and venv', { env: { A: '1' }, modules: ['gcc/12', HOSTILE], venv: `/v/${HOSTILE}` }],
  ['conda', { condaEnv: HOSTILE }],
  // the user's own HSM_* name moves the exports around: the general path
  ['env with HSM_TASK_ID', { env: { HSM_TASK_ID: 'mine', B: '2' } }],
];

describe('taskScriptRenderer', () => {
  for (const [name, environment] of environments) {
    it(`renders renderTaskScript's script byte for byte (${name})`, () => {
      const render = taskScriptRenderer(place, environment);
      for (const t of tasks) {
        const taskDir = `${place.sweepDir}/tasks/${t.task}`;
        expect(render(t, taskDir)).toBe(renderTaskScript(t, { ...place, taskDir }, environment));
      }
    });
  }

  it('gives the task its own variables and argv when the script runs', () => {
    const dir = makeTempDir('hsm-test-');
    const render = taskScriptRenderer(
      { sweepId: 'sw', sweepDir: dir, projectRoot: dir },
      { env: { X: HOSTILE } },
    );
    const script = join(dir, 'command.sh');
    writeFileSync(
      script,
      render(
        {
          task: 'task_007',
          key: 'k7',
          argv: ['sh', '-c', 'printf "%s|" "$HSM_TASK_ID" "$HSM_TASK_DIR" "$X" "$1"', 'sh', HOSTILE],
        },
        `${dir}/t7`,
      ),
    );
    const out = execFileSync('sh', ['-c', `. "${script}"`], { encoding: 'utf8' });
    expect(out).toBe(`task_007|${dir}/t7|${HOSTILE}|${HOSTILE}|`);
  });
});
