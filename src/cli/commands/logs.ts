import { Command } from 'commander';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { openProject, locateTaskLog, followSessionTaskLog } from '../../api/index.js';
import { plural } from '../../domain/plural.js';

// `hsm logs SWEEP_ID TASK [-f] [--stderr]`: a task's latest output; -f follows it while the task runs.
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("a task's output (the latest attempt)")
    .argument('<sweep_id>', 'sweep id, unique prefix, or sweep directory')
    .argument('<task>', 'task name (task_007) or number (7)')
    .option('-f, --follow', 'keep printing as the task writes, until it ends')
    .option('--stderr', 'stderr instead of stdout')
    .action(async (id: string, task: string, flags: { follow?: boolean; stderr?: boolean }) => {
      const project = openProject();
      const stream = flags.stderr ? 'stderr' : 'stdout';
      const log = locateTaskLog(project, id, task, stream);
      let offset = 0;
      // a task running on a session node: its log is followed there, the rest read here after
      if (flags.follow) {
        const name = log.path.split('/').slice(-2)[0]!;
        const printed = await followSessionTaskLog(
          project,
          id,
          name,
          stream,
          (c) => process.stdout.write(c),
          log.isFinal,
        );
        if (printed !== null) {
          for (let i = 0; i < 40 && !existsSync(log.path); i++) await new Promise((r) => setTimeout(r, 250));
          offset = printed;
        }
      }
      for (;;) {
        offset = copyFrom(log.path, offset);
        if (!flags.follow || log.isFinal()) {
          if (copyFrom(log.path, offset) === 0) noteEmpty(log.path, stream);
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    });
}

function copyFrom(path: string, offset: number): number {
  if (!existsSync(path)) return offset;
  const size = statSync(path).size;
  if (size <= offset) return size < offset ? 0 : offset;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    process.stdout.write(buf);
  } finally {
    closeSync(fd);
  }
  return size;
}

// An empty log printed as nothing at all looks like a broken command: say so on stderr (stdout stays
// the log's), and where the output is when the other stream has it (a crash's traceback).
function noteEmpty(path: string, stream: 'stdout' | 'stderr'): void {
  const other = stream === 'stdout' ? 'stderr' : 'stdout';
  const otherPath = path.replace(/[^/]*$/, `${other}.log`);
  const size = existsSync(otherPath) ? statSync(otherPath).size : 0;
  const task = path.split('/').slice(-2)[0];
  process.stderr.write(
    `hsm: ${stream}.log of ${task} is ${existsSync(path) ? 'empty' : 'not there (the task has not started)'}` +
      (size > 0
        ? `; its ${other}.log has ${plural(size, 'byte')}: ${other === 'stderr' ? 'add' : 'leave out'} --stderr\n`
        : '\n'),
  );
}
