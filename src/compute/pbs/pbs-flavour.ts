// PBS comes in two families that share qsub/qstat/qdel but differ where hsm cares: PBS Pro/OpenPBS
// (`pro`: arrays `-J`, `PBS_ARRAY_INDEX`, `qstat -F json`, `-l select=`) and Torque (`torque`:
// arrays `-t`, `PBS_ARRAYID`, `qstat -x` is XML, `-l nodes=1:ppn=N`). A source names its family in
// `flavour:`; without it hsm asks `qstat --version` once.

export const PBS_FLAVOURS = ['pro', 'torque'] as const;
export type PbsFlavour = (typeof PBS_FLAVOURS)[number];

/** The argv that tells the families apart. */
export const PBS_VERSION_ARGV = ['qstat', '--version'] as const;

/** The family from `qstat --version` (stdout and stderr together); null when neither says so.
 * PBS Pro/OpenPBS print `pbs_version = 2022.1.3`; Torque prints `Version: 6.1.3` (and `Commit:`). */
export function flavourFromVersion(output: string): PbsFlavour | null {
  if (/^\s*pbs_version\s*=/m.test(output)) return 'pro';
  if (/^\s*Version:\s*\d/m.test(output)) return 'torque';
  return null;
}

/** The environment variable holding a subjob's array index. */
export function arrayIndexVariable(flavour: PbsFlavour): string {
  return flavour === 'pro' ? 'PBS_ARRAY_INDEX' : 'PBS_ARRAYID';
}
