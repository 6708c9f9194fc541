import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeSweep, makeTasks } from '../helpers/sweep-fixture.js';

// A finished attempt's files are never overwritten: preparing another attempt moves them under
// attempts/<n>/, n being the attempt their records name, even when the store asks for a number that
// is already on disk (a store that lost transactions).

describe('LocalTaskWorkspace.prepareAttempt', () => {
  it('moves the files at the top to attempts/<their attempt>/, never over an existing one', () => {
    const { sweep, workspace } = makeSweep(makeTasks([['true']]));
    const row = sweep.store.task('task_001')!;
    const top = (f: string) => sweep.paths.taskFile('task_001', f as 'exit');
    mkdirSync(sweep.paths.taskDir('task_001'), { recursive: true });
    writeFileSync(top('stdout.log'), 'first\n');
    writeFileSync(top('exit'), 'attempt=1 exit=0\n');
    workspace.prepareAttempt(row, 1); // the store thinks nothing ran
    expect(readFileSync(`${sweep.paths.attemptDir('task_001', 1)}/stdout.log`, 'utf8')).toBe('first\n');
    expect(readFileSync(`${sweep.paths.attemptDir('task_001', 1)}/exit`, 'utf8')).toBe('attempt=1 exit=0\n');

    writeFileSync(top('stdout.log'), 'second\n');
    writeFileSync(top('exit'), 'attempt=1 exit=0\n'); // the same number again
    workspace.prepareAttempt(row, 2);
    expect(readFileSync(`${sweep.paths.attemptDir('task_001', 1)}/stdout.log`, 'utf8')).toBe('first\n');
    expect(readFileSync(`${sweep.paths.attemptDir('task_001', 2)}/stdout.log`, 'utf8')).toBe('second\n');
  });
});
