import { Command } from 'commander';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { openProject, locateTaskLog } from '../../api/index.js';

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
      const log = locateTaskLog(openProject(), id, task, flags.stderr ? 'stderr' : 'stdout');
      let offset = 0;
      for (;;) {
        offset = copyFrom(log.path, offset);
        if (!flags.follow || log.isFinal()) {
          copyFrom(log.path, offset);
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
