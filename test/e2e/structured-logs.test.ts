import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, makeProject } from '../helpers/cli.js';

beforeAll(() => ensureBuilt());

type Line = Record<string, unknown> & { time: string; level: string; event: string };

function readLines(path: string): Line[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

const SECRET = 's3cr3t-value-never-logged';

// x=3 fails (exit 3), the others complete; the source's env holds a value that must stay out of logs.
function project(): string {
  return makeProject(
    `command: ["sh", "-c", "test {x} != 3 || exit 3"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2, 3, 4]\n`,
    `sources:\n  local:\n    type: local\n    env: {API_TOKEN: ${SECRET}}\ndefaults:\n  output_dir: sweeps/outputs\n`,
  );
}

describe('structured logs', () => {
  it('logs/sweep.log has every state change and every source command with its duration; logs/sources/local.log the source’s lines', () => {
    const dir = project();
    const r = hsm(['run', '--jobs', '2', '--sweep-id', 'logs1'], dir);
    expect(r.code, r.stderr).toBe(1);
    const logs = join(dir, 'sweeps', 'outputs', 'logs1', 'logs');
    const lines = readLines(join(logs, 'sweep.log'));
    for (const l of lines) {
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
      expect(['debug', 'info', 'warn', 'error']).toContain(l.level);
    }
    // every task went queued -> running -> its end, each change one line, in that order
    const states = lines.filter((l) => l.event === 'task:state');
    for (const [task, end] of [
      ['task_001', 'completed'],
      ['task_002', 'completed'],
      ['task_003', 'failed'],
      ['task_004', 'completed'],
    ] as const) {
      const mine = states.filter((l) => l.task === task);
      expect(mine.map((l) => l.status)).toEqual(['queued', 'running', end]);
      expect(mine.every((l) => l.attempt === 1)).toBe(true);
      expect(mine[0]!.source).toBe('local');
      expect(typeof mine[1]!.handle).toBe('string');
      expect(mine[2]!.reason).toBe(end);
      expect(mine[2]!.exit_code).toBe(end === 'failed' ? 3 : 0);
    }
    expect(states.find((l) => l.task === 'task_003' && l.status === 'failed')!.level).toBe('warn');
    const events = lines.map((l) => l.event);
    expect(events[0]).toBe('run:start');
    expect(events).toContain('run:finished');
    expect(events.at(-1)).toBe('run:end');
    // the source's commands: the runners it started and the batches it handed them, timed
    const commands = lines.filter((l) => l.event === 'source:command');
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) {
      expect(c.source).toBe('local');
      expect(typeof c.ms).toBe('number');
      expect(c.ms as number).toBeGreaterThanOrEqual(0);
    }
    expect(commands.filter((c) => c.command === 'runner start')).toHaveLength(2);
    const handed = commands.filter((c) => c.command === 'run');
    expect(handed.reduce((n, c) => n + (c.tasks as number), 0)).toBe(4);
    // the source's own file: exactly its lines of sweep.log
    const local = readLines(join(logs, 'sources', 'local.log'));
    expect(local.length).toBeGreaterThan(0);
    expect(local.every((l) => l.source === 'local')).toBe(true);
    expect(local.map((l) => JSON.stringify(l))).toEqual(
      lines.filter((l) => l.source === 'local' && l.event !== 'task:state').map((l) => JSON.stringify(l)),
    );
    expect(local.some((l) => l.event === 'runner:exit')).toBe(true);
    // nothing secret: the env value reached the task's command.sh, never a log
    expect(readFileSync(join(logs, '..', 'tasks', 'task_001', 'command.sh'), 'utf8')).toContain(SECRET);
    expect(readFileSync(join(logs, 'sweep.log'), 'utf8')).not.toContain(SECRET);
    expect(readFileSync(join(logs, 'sources', 'local.log'), 'utf8')).not.toContain(SECRET);
  });

  it('-v mirrors the log lines to stderr (and only there: stdout stays the JSON report)', () => {
    const dir = project();
    const r = hsm(['run', '-v', '--jobs', '2', '--json', '--sweep-id', 'logs2'], dir);
    expect(r.code, r.stderr).toBe(1);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    const mirrored = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
    const file = readLines(join(dir, 'sweeps', 'outputs', 'logs2', 'logs', 'sweep.log'));
    expect(mirrored.map((l) => JSON.stringify(l))).toEqual(file.map((l) => JSON.stringify(l)));
    expect(mirrored.filter((l) => l.event === 'task:state')).toHaveLength(12);
    expect(mirrored.some((l) => l.event === 'source:command')).toBe(true);
    expect(r.stderr).not.toContain(SECRET);
  });

  it('without -v nothing of the log reaches the terminal', () => {
    const dir = project();
    const r = hsm(['run', '--jobs', '2', '--sweep-id', 'logs3'], dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('"event"');
    expect(existsSync(join(dir, 'sweeps', 'outputs', 'logs3', 'logs', 'sources', 'local.log'))).toBe(true);
  });
});
