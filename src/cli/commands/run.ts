import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
// the API's files one by one, not its index: `hsm run` then loads what a run needs, not the code of
// every other command (reports, matrices, exec, results)
import { openProject } from '../../api/project.js';
import { planSweep, createSweep } from '../../api/sweep-plan.js';
import { checkRunSources, sourcesOutliveRun } from '../../api/run-sources.js';
import { executeSweep, type RunOptions } from '../../api/sweep-run.js';
import { storageFailureError } from '../../api/storage-failure-error.js';
import { renderStatusJson } from '../../api/sweep-status.js';
import {
  recordRemoteProjects,
  verifyRemoteProjects,
  type RemoteProjectCheck,
} from '../../api/remote-projects.js';
import { verifySessionProjects } from '../../api/session-projects.js';
import { formatDiagnostic } from '../../api/sweep-definition.js';
import { quoteShellArgv } from '../../domain/shell-quote.js';
import { HsmError } from '../../domain/errors.js';
import { EXIT } from '../exit-codes.js';
import { RunProgress, describeCounts } from '../progress.js';
import { InterruptLatch, superviseRun, type InterruptPolicy } from '../run-session.js';
import { stderrPaint } from '../output.js';
import { splitSweepArgs } from './sweep-args.js';
import { durationText, nonNegativeInt, positiveInt } from '../option-parsers.js';
import { plural } from '../../domain/plural.js';

interface RunFlags {
  source?: string;
  cmd?: string;
  jobs?: number;
  dryRun?: boolean;
  countOnly?: boolean;
  maxTasks?: number;
  retries?: number;
  timeout?: string;
  sweepId?: string;
  sync?: boolean;
  yes?: boolean;
  detach?: boolean;
  onInterrupt?: InterruptPolicy;
  json?: boolean;
  sshConfig?: string;
}

/** `--on-interrupt`, on `run` and `complete`. */
export function onInterruptOption(): Option {
  return new Option(
    '--on-interrupt <what>',
    'Ctrl-C with tasks queued or running on a batch scheduler (Slurm, PBS): ask (on a terminal), cancel them, or leave them running (default: ask on a terminal, else cancel; hsm_config.yaml defaults.on_interrupt)',
  ).choices(['ask', 'cancel', 'leave']);
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('create a sweep from a sweep file and run it (overrides such as seed=1,2,3 add grid axes)')
    .argument('[args...]', 'sweep file, then Hydra-style overrides (key=v1,v2  key=range(0,1,0.1))')
    .option('-s, --source <names>', 'compute sources from hsm_config.yaml (one or more, comma-separated)')
    .option(
      '--cmd <command>',
      "one command instead of a sweep file, as a sweep of one task: --cmd 'python train.py lr=0.1' (quote it whole; overrides after -- add axes)",
    )
    .option('-j, --jobs <n>', 'tasks at once', positiveInt('--jobs'))
    .option('--dry-run', 'print the plan and the exact argv of the first tasks; run nothing')
    .option('--count-only', 'print the number of tasks and exit')
    .option('--max-tasks <n>', 'refuse sweeps with more tasks than this', positiveInt('--max-tasks'))
    .option(
      '--retries <n>',
      'extra attempts for a task that failed for a retryable reason',
      nonNegativeInt('--retries'),
    )
    .option('--timeout <duration>', 'per-task time limit (90s, 5m, 1h30m, HH:MM:SS)', durationText)
    .option('--sweep-id <id>', 'the id of the new sweep (default <name>_YYYYMMDD_HHMMSS)')
    .option('--sync', 'push the project to remote sources that differ (refused when no source is remote)')
    .option('-y, --yes', 'accept a sweep of over 100,000 tasks')
    .option(
      '--detach',
      'return at once and let the sweep go on (batch schedulers: once every task is submitted; other sources: in a background hsm); follow with `hsm status --watch`',
    )
    .addOption(onInterruptOption())
    .option('--json', 'print the final status as JSON on stdout')
    .option('--ssh-config <file>', 'ssh client config file for ssh sources (ssh -F)')
    .action(async (args: string[], flags: RunFlags) => {
      const project = openProject();
      const { sweepFile, overrides } = flags.cmd !== undefined ? commandArgs(args) : splitSweepArgs(args);
      // only a preview is materialised; createSweep streams the rest into the store
      const plan = planSweep(
        project,
        { sweepFile, overrides, maxTasks: flags.maxTasks, yes: flags.yes, command: flags.cmd },
        flags.dryRun ? 10 : 0,
      );
      for (const w of plan.warnings) process.stderr.write(formatDiagnostic(w) + '\n');
      if (flags.countOnly) {
        if (flags.json) process.stdout.write(JSON.stringify({ total: plan.total }) + '\n');
        else process.stdout.write(`${plan.total}\n`);
        return;
      }
      // a typo in --source, a source hsm cannot run: refused by a dry run as by the run itself
      checkRunSources(project, sourceNames(flags.source) ?? ['local']);
      if (flags.dryRun) {
        printDryRun(plan, project.outputDir, flags);
        if (!flags.json) await printSessionDryRun(project, plan, flags);
        return;
      }
      // the project on every ssh source is checked (or pushed, --sync) before the sweep exists
      const checks = await checkRemoteProjects(project, sourceNames(flags.source) ?? ['local'], flags);
      // A Ctrl-C while the sweep is being created waits for it to be complete (all or nothing on
      // disk), then stops before any task runs.
      const latch = new InterruptLatch();
      const sweep = await createSweep(project, plan, flags.sweepId);
      recordRemoteProjects(sweep.paths.dir, checks);
      await new Promise((r) => setImmediate(r)); // let a signal that came during the creation be seen
      process.stderr.write(`sweep ${sweep.id}: ${plural(plan.total, 'task')} -> ${sweep.paths.dir}\n`);
      if (latch.count > 0) {
        latch.dispose();
        sweep.store.close();
        process.stderr.write(`interrupted before any task ran; run it with: hsm complete ${sweep.id}\n`);
        process.exitCode = EXIT.interrupted;
        return;
      }
      if (flags.detach && !sourcesOutliveRun(project, sourceNames(flags.source) ?? ['local'])) {
        latch.dispose();
        sweep.store.close();
        detach(sweep.id, sweep.paths.dir, flags);
        return;
      }
      process.exitCode = await runToEnd(project, sweep, flags, false, latch);
    });
}

// Runs (or completes) a sweep in the foreground with progress, Ctrl-C handling and exit codes.
export async function runToEnd(
  project: ReturnType<typeof openProject>,
  sweep: Awaited<ReturnType<typeof createSweep>>,
  flags: RunFlags & { retryFailed?: boolean; tasks?: string },
  isComplete: boolean,
  latch: InterruptLatch = new InterruptLatch(),
): Promise<number> {
  const quiet = Boolean(flags.json);
  let progress: RunProgress | null = null;
  const options: RunOptions & { retryFailed?: boolean; tasks?: string } = {
    sources: sourceNames(flags.source),
    jobs: flags.jobs,
    retries: flags.retries,
    timeout: flags.timeout,
    retryFailed: flags.retryFailed,
    tasks: flags.tasks,
    sshConfigFile: flags.sshConfig,
    // a batch scheduler keeps the jobs: --detach returns once they are all submitted
    leaveWhenHandedOver: Boolean(flags.detach),
    onTask: (row, ev) => progress?.onTask(row, ev),
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
    onProgress: (line) => process.stderr.write(`${line}\n`),
    onLog:
      // -v: every line of logs/sweep.log (and so of each source's log) mirrored to stderr
      process.env.HSM_DEBUG || process.argv.includes('-v') || process.argv.includes('--verbose')
        ? (l) => process.stderr.write(stderrPaint.dim(l) + '\n')
        : undefined,
  };
  let run: ReturnType<typeof executeSweep>;
  try {
    run = executeSweep(project, sweep, options);
  } catch (err) {
    latch.dispose();
    throw err;
  }
  progress = new RunProgress(run.planned + run.adopted, quiet);
  for (const notice of run.notices) process.stderr.write(`${notice}\n`);
  if (isComplete && !quiet) {
    process.stderr.write(
      `sweep ${run.sweepId}: ${run.planned} to run${run.adopted ? `, ${run.adopted} still running from an earlier run (adopted)` : ''}\n`,
    );
  }
  const policy = flags.onInterrupt ?? project.config.defaults.on_interrupt ?? 'ask';
  const { interrupted, left, unavailable, storageFailure, counts } = await superviseRun(run, latch, policy, {
    cancelling: (level) =>
      process.stderr.write(
        level > 1
          ? '\nkilling running tasks...\n'
          : latch.first === 'SIGTERM'
            ? // `hsm cancel` (or a service manager): there is no Ctrl-C to press again here
              '\ncancelled (SIGTERM: `hsm cancel` or a service manager): stopping running tasks...\n'
            : '\ninterrupted: stopping running tasks (Ctrl-C again to kill them at once)...\n',
      ),
    leaving: (count) =>
      process.stderr.write(
        `\ninterrupted: leaving ${plural(count, 'task')} queued or running on the scheduler; they go on without hsm\n`,
      ),
    question: (count) =>
      `\ninterrupted: ${plural(count, 'task')} ${count === 1 ? 'is' : 'are'} queued or running on the scheduler, where they go on without hsm.\n` +
      `  c: cancel them (they are recorded cancelled; hsm complete ${run.sweepId} runs them again)\n` +
      `  l: leave them running (hsm complete ${run.sweepId} collects them later)\n` +
      'cancel or leave? [c/l] ',
    hold: (on) => (on ? progress?.hold() : progress?.release()),
  });
  progress.finish();
  // the counts the run ended with are the store's (the sweep is not opened again to read them)
  const status = { counts: counts as Record<string, number> };
  if (flags.json && flags.detach && left > 0)
    // the shape of every --detach --json; no hsm process goes on (the scheduler holds the jobs)
    process.stdout.write(
      JSON.stringify({ sweep_id: run.sweepId, sweep_dir: run.sweepDir, pid: null, left }) + '\n',
    );
  else if (flags.json) process.stdout.write(renderStatusJson(project, run.sweepDir) + '\n');
  else {
    process.stderr.write(`sweep ${run.sweepId}: ${describeCounts(status.counts, stderrPaint)}\n`);
    process.stderr.write(
      `  outputs: ${run.sweepDir}/tasks/<task>/ (stdout.log, stderr.log, params.yaml, status.yaml)\n`,
    );
    if (left > 0)
      process.stderr.write(
        `  ${plural(left, 'task')} left queued or running on the scheduler, where they go on without hsm:\n` +
          `    see where they are: hsm status ${run.sweepId}\n` +
          `    follow and collect them (and run what is missing): hsm complete ${run.sweepId}\n` +
          `    stop them: hsm cancel ${run.sweepId}\n`,
      );
    const toRun =
      status.counts.pending! + status.counts.failed! + status.counts.lost! + status.counts.cancelled!;
    if (toRun > 0 && left === 0)
      process.stderr.write(
        `  finish it with: hsm complete ${run.sweepId}${status.counts.failed ? ' --retry-failed' : ''}\n`,
      );
    if (status.counts.failed) process.stderr.write(`  see why tasks failed: hsm errors ${run.sweepId}\n`);
  }
  // disk full: the counts above, then what happened and how to finish (exit 3)
  if (storageFailure) throw storageFailureError(run.sweepId, run.sweepDir, storageFailure);
  if (interrupted) return EXIT.interrupted;
  if (left > 0) return EXIT.ok; // --detach: every task is submitted
  if (unavailable.length > 0) {
    process.stderr.write(
      `no source can run the remaining tasks:\n${unavailable.map((u) => `  - ${u}\n`).join('')}`,
    );
    return EXIT.infra;
  }
  const bad = status.counts.failed! + status.counts.lost! + status.counts.cancelled!;
  return bad > 0 ? EXIT.tasksFailed : EXIT.ok;
}

// With --cmd, the words left are overrides only: a word that is not one is a command split by the
// shell (an unquoted --cmd), said as such rather than taken for a sweep file.
function commandArgs(args: readonly string[]): { sweepFile?: string; overrides: string[] } {
  const stray = args.find((w) => !(w.includes('=') || w.startsWith('~') || w.startsWith('+')));
  if (stray !== undefined)
    throw new HsmError(
      'usage',
      `with --cmd, the words after the options are overrides (key=value), and \`${stray}\` is not one`,
      {
        hint: "quote the whole command: --cmd 'python training/train.py lr=0.1'; --cmd replaces the sweep file",
      },
    );
  return { overrides: [...args] };
}

export function sourceNames(flag: string | undefined): string[] | undefined {
  const names = (flag ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length > 0 ? names : undefined;
}

// The project on the ssh sources among `names` must be the local one; with --sync it is pushed.
export async function checkRemoteProjects(
  project: ReturnType<typeof openProject>,
  names: readonly string[],
  flags: { sync?: boolean; sshConfig?: string },
): Promise<RemoteProjectCheck[]> {
  const checks = await verifyRemoteProjects(project, names, {
    sync: flags.sync,
    sshConfigFile: flags.sshConfig,
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
  });
  for (const c of checks)
    if (c.pushed) process.stderr.write(`pushed the project to source ${c.source} (${c.report.workdir})\n`);
  await verifySessionProjects(project, names, {
    sync: flags.sync,
    onProgress: (line) => process.stderr.write(`${line}\n`),
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
  });
  return checks;
}

function printDryRun(plan: ReturnType<typeof planSweep>, outputDir: string, flags: RunFlags): void {
  if (flags.json) {
    process.stdout.write(
      JSON.stringify(
        {
          total: plan.total,
          tasks: plan.tasks.map((t) => ({ name: t.name, key: t.key, params: t.params, argv: t.argv })),
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const out = process.stdout;
  out.write(
    `dry run: ${plural(plan.total, 'task')} would run on ${flags.source ?? 'local'} with ${flags.jobs ?? 'default'} jobs; outputs under ${outputDir}\n`,
  );
  for (const t of plan.tasks) out.write(`  ${t.name}  ${quoteShellArgv(t.argv)}\n`);
  if (plan.total > plan.tasks.length) out.write(`  ... and ${plan.total - plan.tasks.length} more\n`);
}

// For session sources: per node, the files a push would send, whether the setup would run, and
// where the tasks' commands run.
async function printSessionDryRun(
  project: ReturnType<typeof openProject>,
  plan: ReturnType<typeof planSweep>,
  flags: RunFlags,
): Promise<void> {
  const names = sourceNames(flags.source) ?? [];
  const checks = await verifySessionProjects(project, names, {
    dryRun: true,
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
  });
  const out = process.stdout;
  for (const c of checks) {
    const items = c.result.items;
    out.write(
      `source ${c.source}, node ${c.node}: ${items.length === 0 ? 'the project is up to date' : `${plural(items.length, 'change')} would be pushed${flags.sync ? '' : ' (with --sync)'}`}\n`,
    );
    for (const i of items.slice(0, 50))
      out.write(
        `    ${i.action === 'send' ? `send ${String(i.bytes).padStart(9)} B` : i.action.padEnd(16)}  ${i.path}\n`,
      );
    if (items.length > 50) out.write(`    ... and ${items.length - 50} more\n`);
    if (c.setup && c.setup.length > 0)
      out.write(
        `  setup ${c.setupWouldRun === false ? 'already done (unchanged): would be skipped' : c.setupWouldRun ? 'would run' : 'state unknown (node not reached)'}: ${c.setup.join('; ')}\n`,
      );
    const first = plan.tasks[0];
    if (first)
      out.write(
        `  each task runs from ${c.workdir}, e.g.: cd ${c.workdir} && ${quoteShellArgv(first.argv)}\n`,
      );
  }
}

// Continues the run in a background process (`hsm complete ID`), its output in logs/hsm-run.log.
export function detach(
  sweepId: string,
  sweepDir: string,
  flags: RunFlags & { retryFailed?: boolean; tasks?: string },
): void {
  const log = openSync(join(sweepDir, 'logs', 'hsm-run.log'), 'a');
  const argv = [process.argv[1]!, 'complete', sweepDir];
  if (flags.retryFailed) argv.push('--retry-failed');
  if (flags.tasks !== undefined) argv.push('--tasks', flags.tasks);
  if (flags.jobs) argv.push('--jobs', String(flags.jobs));
  if (flags.source) argv.push('--source', flags.source);
  if (flags.retries !== undefined) argv.push('--retries', String(flags.retries));
  if (flags.timeout) argv.push('--timeout', flags.timeout);
  if (flags.sshConfig) argv.push('--ssh-config', flags.sshConfig);
  const child = spawn(process.execPath, argv, {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: process.cwd(),
  });
  child.unref();
  process.stderr.write(
    `running in the background (pid ${child.pid}); follow it with: hsm status ${sweepId} --watch\n`,
  );
  if (flags.json)
    process.stdout.write(JSON.stringify({ sweep_id: sweepId, sweep_dir: sweepDir, pid: child.pid }) + '\n');
}
