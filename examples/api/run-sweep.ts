// hsm as a library: plan a sweep, run it with a progress callback, wait for it, read the tasks' statuses
// and metrics; then open the sweep again and complete it. Run from this directory (see README.md):
//   npx tsc && node out/run-sweep.js
import {
  completeSweep,
  getSweepResults,
  getSweepStatus,
  HsmError,
  openProject,
  previewSweep,
  runSweep,
  type TaskRow,
} from 'hpc-sweep-manager';

const projectDir = process.argv[2] ?? process.cwd();

async function main(): Promise<number> {
  // The project: hsm_config.yaml here, its sweep file sweeps/sweep.yaml.
  const project = openProject(projectDir);

  // Plan: the tasks the sweep file generates, with the exact argv of each.
  const preview = previewSweep({ cwd: projectDir });
  console.log(`plan: ${preview.total} tasks`);
  for (const task of preview.tasks) console.log(`  ${task.name} ${task.argv.join(' ')}`);

  // Run, with a progress callback; stop the run after the first two tasks end, as Ctrl-C would.
  let finished = 0;
  const run = await runSweep(
    project,
    {},
    {
      jobs: 2,
      onTask: (task: TaskRow, event) => {
        if (event !== 'finished') return;
        finished++;
        console.log(`  ${task.name} ${task.status} (${finished}/${preview.total})`);
        if (finished === 2) run.cancel();
      },
    },
  );
  console.log(`sweep ${run.sweepId} in ${run.sweepDir}`);
  const first = await run.result;
  console.log(
    `first run ${first.interrupted ? 'stopped' : 'ended'}: ${describe(getSweepStatus(project, run.sweepId).counts)}`,
  );

  // Open the existing sweep and complete it: the tasks that were stopped or never ran.
  const rest = completeSweep(project, run.sweepId, { jobs: 2, retryFailed: true });
  console.log(`completing: ${rest.planned} tasks to run`);
  await rest.result;

  // Statuses and metrics.
  const status = getSweepStatus(project, run.sweepId);
  console.log(`status: ${describe(status.counts)}`);
  const results = getSweepResults(project, run.sweepId);
  for (const task of results.tasks) {
    console.log(
      `  ${task.name} ${task.status} ${JSON.stringify(task.params)} loss=${String(task.metrics?.loss)}`,
    );
  }
  const best = results.tasks
    .filter((t) => typeof t.metrics?.loss === 'number')
    .sort((a, b) => (a.metrics!.loss as number) - (b.metrics!.loss as number))[0];
  if (best) console.log(`best: ${best.name} ${JSON.stringify(best.params)}`);
  return status.counts.completed === status.total ? 0 : 1;
}

// `2 completed, 4 pending`: the statuses that have tasks.
function describe(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // hsm's errors say what failed and what to do next.
    if (err instanceof HsmError)
      console.error(`error: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`);
    else console.error(err);
    process.exit(2);
  },
);
