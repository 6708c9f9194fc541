// The job API: submit jobs to a compute source and follow them through handles that are the same
// whatever the source (status, wait, logs, cancel). Run from this directory (see README.md):
//   npx tsc && node out/submit-jobs.js
import { HsmError, openJob, openProject, submitJobs } from 'hpc-sweep-manager';

const projectDir = process.argv[2] ?? process.cwd();

async function main(): Promise<number> {
  const project = openProject(projectDir);

  // Two jobs on the local source (any source of hsm_config.yaml works the same: `source: 'cluster'`,
  // with `resources: {nodes: 2}` for a Slurm one). They run in the background: this program could
  // exit now and the jobs would go on.
  const [train, slow] = await submitJobs(project, {
    name: 'api-jobs',
    source: 'local',
    jobs: [
      { name: 'train', argv: ['python3', 'train.py', 'lr=0.01', 'layers=4'] },
      { name: 'slow', argv: ['sleep', '300'] },
    ],
  });
  console.log(`submitted ${train!.id} and ${slow!.id}`);

  // Wait for one, then read how it ended and the end of its output.
  const done = await train!.wait();
  console.log(`train: ${done.status}, exit code ${done.exit_code}, on ${done.source} (job id ${done.job_id})`);
  console.log(`train output: ${train!.logs().trim()}`);

  // A handle can be opened again from its id, by this process or any other.
  const again = openJob(project, slow!.id);
  while (again.status().status !== 'running') await new Promise((r) => setTimeout(r, 100));
  console.log(`slow: ${again.status().status}`);
  await again.cancel(); // stops this job alone; resolves once it has ended
  const stopped = again.status();
  console.log(`slow after cancel: ${stopped.status} (${stopped.termination_reason})`);
  return done.exit_code === 0 && stopped.status === 'cancelled' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof HsmError) console.error(`error: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`);
    else console.error(err);
    process.exit(2);
  },
);
