import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HSM_BIN, makeProject } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { sshInfra } from '../../remote/test-infra.js';
import { hsmChild } from './slurm-helpers.js';

// Slurm and PBS sources with `host:` and `workdir:`, a laptop that does not share the cluster's
// filesystem (slurm-remote-workdir.test.ts, test/compute/pbs/pbs-remote-workdir.test.ts). The
// login node is node1 of the test infrastructure, reached as the test user. The local project is
// closed to the jobs' user (mode 0700, owned by this process's user): whatever of a task reaches
// the local sweep directory came through the pull. The workdir is a path the tests never create
// here; the netns hosts and the Slurm nodes share /tmp, as a cluster's nodes share its scratch.

const SCHEDULER = ['sbatch', 'squeue', 'sacct', 'scancel', 'scontrol', 'qsub', 'qstat', 'qdel'];
/** Workdirs made by remoteProject, removed on the login node by removeWorkdirs. */
const workdirs: string[] = [];

/** A PATH directory whose Slurm commands refuse to run: hsm must not call them on this machine. */
function noLocalSlurm(): string {
  const dir = makeTempDir('hsm-no-slurm-');
  for (const p of SCHEDULER) {
    writeFileSync(join(dir, p), `#!/bin/sh\necho "${p} must run on the login node" >&2\nexit 99\n`);
    chmodSync(join(dir, p), 0o755);
  }
  return dir;
}

export function onLoginNode(command: string): { code: number | null; stdout: string } {
  const r = spawnSync('ssh', ['-F', sshInfra().configFile, 'node1', command], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout };
}

/** `hsm ARGS` as a child process, as hsmHere runs it. */
export function hsmHereChild(args: string[], cwd: string): ChildProcess {
  return hsmChild([...args, '--ssh-config', sshInfra().configFile], cwd, {
    PATH: `${noLocalSlurm()}:${process.env.PATH}`,
  });
}

export function hsmHere(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [HSM_BIN, ...args, '--ssh-config', sshInfra().configFile], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', PATH: `${noLocalSlurm()}:${process.env.PATH}` },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const FRONTENDS = resolve(import.meta.dirname, '../../fixtures/pbs/frontends');

/** A project whose tasks append their id to runs.log (in the project copy they run from), report a
 * metric and print a line; `fields` go into the source's entry. */
export function remoteProject(
  fields: string,
  type = 'slurm',
  /** Task x=2 fails its first attempt (exit 3, `first try` on stdout). */
  secondTry = false,
  /** Task x=1 waits for a file `gate` in the project copy. */
  gate = false,
): { dir: string; workdir: string } {
  const workdir = `/tmp/hsm-slurm-wd-${randomBytes(4).toString('hex')}/proj`;
  workdirs.push(workdir.replace(/\/proj$/, ''));
  const retry = secondTry
    ? 'if [ {x} = 2 ] && [ ! -e tried.2 ]; then touch tried.2; echo first try; exit 3; fi; '
    : '';
  const wait = gate ? 'if [ {x} = 1 ]; then while [ ! -e gate ]; do sleep 0.2; done; fi; ' : '';
  const sweep =
    `name: rw${randomBytes(3).toString('hex')}\n` +
    `command: ["sh", "-c", 'echo $HSM_TASK_ID >> runs.log; ${retry}${wait}echo "HSM_METRICS {\\"loss\\": {x}}"; echo ran {x} on $(hostname)']\n` +
    'args: none\nsweep:\n  grid:\n    x: [1, 2]\n';
  const conf = sshInfra().slurmConf;
  // PBS: Debian's Torque front-ends over the test Slurm, their gaps filled by the test's own
  // (test/compute/pbs/pbs-frontends.test.ts), first on the login node's PATH
  const scheduler =
    type === 'slurm'
      ? `type: slurm, partition: debug, time: "00:02:00", env: {SLURM_CONF: ${conf}}`
      : `type: pbs, flavour: torque, queue: debug, walltime: "00:02:00", env: {SLURM_CONF: ${conf}, PATH: "${FRONTENDS}:/usr/local/bin:/usr/bin:/bin"}`;
  const dir = makeProject(
    sweep,
    'defaults:\n  output_dir: sweeps/outputs\nsources:\n' +
      // what the tasks write into the project copy is theirs: left out of the comparison
      `  cluster: {${scheduler}, host: node1, workdir: ${workdir}, sync_exclude: [runs.log, tried.2, gate]${fields}}\n`,
  );
  mkdirSync(join(dir, 'sweeps', 'outputs'));
  chmodSync(dir, 0o700);
  return { dir, workdir };
}

export function removeWorkdirs(): void {
  for (const w of workdirs.splice(0)) onLoginNode(`chmod -R u+w ${w} 2>/dev/null; rm -rf ${w}`);
}
