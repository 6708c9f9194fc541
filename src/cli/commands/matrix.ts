import { Command } from 'commander';
import {
  HsmError,
  checkMatrix,
  formatDiagnostic,
  killMatrix,
  launchMatrix,
  matrixJobLogs,
  openProject,
  relaunchFailedJobs,
  renderMatrixTable,
  type MatrixCheck,
} from '../../api/index.js';
import { EXIT } from '../exit-codes.js';
import { printJson, stdoutPaint } from '../output.js';
import { InterruptLatch } from '../run-session.js';
import { plural } from '../../domain/plural.js';

// `hsm matrix launch|check|kill`: a matrix of jobs launched, checked and killed as one unit
// (docs/CLI.md, docs/matrix-files.md). check exits 1 when a job's verdict is fail.

export function registerMatrix(program: Command): void {
  const matrix = program
    .command('matrix')
    .description('launch, check and kill a matrix of jobs as one unit (docs/matrix-files.md)');
  matrix
    .command('launch')
    .description('launch every job of a matrix file')
    .argument('<file>', 'the matrix file')
    .option('-s, --source <name>', 'run every job on this source of hsm_config.yaml')
    .option('--ci', 'only the CI subset (jobs whose entries are all `ci: true`)')
    .option('--wait', 'wait until every job has ended, then print the check table (exit 1 when a job failed)')
    .option('--allow-dirty', 'launch from uncommitted or unpushed work (recorded with the matrix)')
    .option('--json', 'as JSON')
    .action(
      async (
        file: string,
        flags: { source?: string; ci?: boolean; wait?: boolean; allowDirty?: boolean; json?: boolean },
      ) => {
        const project = openProject();
        const { record, warnings } = await launchMatrix(project, file, {
          source: flags.source,
          ci: flags.ci,
          allowDirty: flags.allowDirty,
        });
        for (const w of warnings) process.stderr.write(formatDiagnostic(w) + '\n');
        process.stderr.write(
          `matrix ${record.id}: ${plural(record.jobs.length, 'job')} launched in ${record.sweeps.join(', ')}\n`,
        );
        if (!flags.wait) {
          process.stderr.write(`  check it with: hsm matrix check ${record.id}\n`);
          if (flags.json)
            printJson({
              id: record.id,
              name: record.name,
              sweeps: record.sweeps,
              jobs: record.jobs.map((j) => ({
                name: j.name,
                axes: j.axes,
                source: j.source,
                sweep_id: j.sweep_id,
                task: j.task,
              })),
            });
          return;
        }
        const latch = new InterruptLatch();
        try {
          let orphaned = 0;
          for (;;) {
            const check = checkMatrix(project, record.id);
            if (check.summary.running + check.summary.pending === 0) {
              process.exitCode = printCheck(check, flags.json ?? false, false);
              return;
            }
            // a run that died (killed, the machine's OOM killer) would keep us waiting for ever
            orphaned = check.unfollowed_sweeps.length > 0 ? orphaned + 1 : 0;
            if (orphaned >= 3)
              throw new HsmError(
                'infra',
                `matrix ${record.id}: no hsm process runs sweep ${check.unfollowed_sweeps.join(', ')} any more, and some of its jobs have not ended`,
                {
                  hint: `take them back with \`hsm complete ${check.unfollowed_sweeps[0]}\` (or stop them: \`hsm matrix kill ${record.id}\`); \`hsm matrix check ${record.id}\` shows the rest`,
                },
              );
            if (latch.count > 0) {
              process.stderr.write(
                `stopped waiting; the jobs go on: hsm matrix check ${record.id}, hsm matrix kill ${record.id}\n`,
              );
              process.exitCode = EXIT.interrupted;
              return;
            }
            await new Promise((r) => setTimeout(r, 250));
          }
        } finally {
          latch.dispose();
        }
      },
    );
  matrix
    .command('check')
    .description("each job's verdict, termination reason and restarts (no NAME: the latest matrix)")
    .argument('[name]', 'matrix id or unique prefix')
    .option('--failed', 'only the jobs whose verdict is fail')
    .option('--relaunch', 'with --failed: run exactly the failed jobs again')
    .option('--logs <job>', "the end of one job's output")
    .option('--json', 'as JSON')
    .action(
      async (
        name: string | undefined,
        flags: { failed?: boolean; relaunch?: boolean; logs?: string; json?: boolean },
      ) => {
        const project = openProject();
        if (flags.relaunch && !flags.failed) {
          process.stderr.write(
            '--relaunch runs the failed jobs again: give it with --failed (`hsm matrix check NAME --failed --relaunch`)\n',
          );
          process.exitCode = EXIT.usage;
          return;
        }
        if (flags.logs !== undefined) {
          const logs = matrixJobLogs(project, name, flags.logs);
          if (flags.json) printJson(logs);
          else
            process.stdout.write(
              `== ${logs.paths.stdout}\n${logs.stdout}\n== ${logs.paths.stderr}\n${logs.stderr}\n`,
            );
          return;
        }
        if (flags.relaunch) {
          const r = await relaunchFailedJobs(project, name);
          if (flags.json) printJson(r);
          else if (r.relaunched.length === 0)
            process.stderr.write(`matrix ${r.id}: no failed jobs; nothing relaunched\n`);
          else
            process.stderr.write(
              `matrix ${r.id}: relaunched ${plural(r.relaunched.length, 'failed job')}: ${r.relaunched.join(', ')}\n  check it with: hsm matrix check ${r.id}\n`,
            );
          return;
        }
        process.exitCode = printCheck(checkMatrix(project, name), flags.json ?? false, flags.failed ?? false);
      },
    );
  matrix
    .command('kill')
    .description('stop every job of a matrix that still runs')
    .argument('<name>', 'matrix id or unique prefix')
    .option('--json', 'as JSON')
    .action(async (name: string, flags: { json?: boolean }) => {
      const r = await killMatrix(openProject(), name);
      if (flags.json) printJson(r);
      else
        process.stderr.write(
          `matrix ${r.id}: ${plural(r.stopped.length, 'job')} stopped${r.stopped.length ? ` (${r.stopped.join(', ')})` : ''}; nothing of it runs any more\n`,
        );
    });
}

function printCheck(check: MatrixCheck, json: boolean, failedOnly: boolean): number {
  for (const id of check.unfollowed_sweeps)
    process.stderr.write(
      `warning: jobs of sweep ${id} have not ended and no hsm process follows them (it was killed); take them back with: hsm complete ${id}\n`,
    );
  const jobs = failedOnly ? check.jobs.filter((j) => j.verdict === 'fail') : check.jobs;
  if (json) printJson({ ...check, jobs });
  else {
    const git = check.git
      ? ` commit ${check.git.commit.slice(0, 12)}${check.git.dirty ? ' (dirty)' : ''}`
      : '';
    process.stdout.write(`matrix ${check.id} (${check.name})${git}\n`);
    const rows = jobs.map((j) => ({
      name: j.name,
      axes: j.axes,
      verdict: j.verdict,
      reason: j.termination_reason,
      exitCode: j.exit_code,
      restarts: j.restarts,
      durationMs: j.duration_ms,
      jobId: j.job_id,
      why: j.why,
    }));
    const lines = renderMatrixTable(rows, stdoutPaint);
    if (failedOnly) lines[lines.length - 1] = `${jobs.length} failed of ${check.jobs.length} jobs`;
    process.stdout.write(lines.join('\n') + '\n');
  }
  return check.summary.fail > 0 ? EXIT.tasksFailed : EXIT.ok;
}
