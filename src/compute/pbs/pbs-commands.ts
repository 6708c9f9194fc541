import type { PbsFlavour } from './pbs-flavour.js';

// The argv of every PBS command hsm runs, and what their error output means. Values are argv words,
// never a shell line (over ssh the glue quotes them with the one quoting function).

/** qsub runs in the directory where the job's own output file should land (both families, and the
 * front-ends over other schedulers, write `<name>.o<seq>` into qsub's working directory). */
export function qsubArgv(scriptPath: string): string[] {
  return ['qsub', scriptPath];
}

/** One qstat for the listed jobs, arrays expanded into subjobs (`-t`), finished jobs included
 * (`-x`: history on PBS Pro; on Torque `-x` is XML, and completed jobs stay listed for the server's
 * keep_completed time). */
export function qstatArgv(flavour: PbsFlavour, jobIds: readonly string[]): string[] {
  return flavour === 'pro'
    ? ['qstat', '-f', '-x', '-t', '-F', 'json', ...jobIds]
    : ['qstat', '-f', '-x', '-t', ...jobIds];
}

export function qdelArgv(jobIds: readonly string[]): string[] {
  return ['qdel', ...jobIds];
}

/** Job ids qstat/qdel said they do not know (`qstat: Unknown Job Id 1234.srv`; Torque adds
 * `Error`): purged from the server's history, or never there. */
export function unknownJobIds(stderr: string): string[] {
  const ids: string[] = [];
  for (const m of stderr.matchAll(/Unknown Job Id(?: Error)?\s+(\S+)/g)) ids.push(m[1]!);
  return ids;
}

export interface QsubFailure {
  /** A temporary failure is retried with backoff; a permanent one stops the submit with the hint. */
  temporary: boolean;
  hint: string;
}

const PERMANENT: [RegExp, string][] = [
  [/Unknown queue/i, 'the queue does not exist: check `queue:` of the source (`qstat -Q` lists the queues)'],
  [
    /Unknown resource|Illegal attribute or resource value|illegal -l value|Unknown node/i,
    'a resource request is not valid here: check `select:`, `resources:`, `mem:`, `ncpus:`, `ngpus:` and `extra_directives:` of the source',
  ],
  [
    /exceeds? (queue|server|complex) resource limits|Job violates queue and\/or server resource limits|cannot satisfy/i,
    'the request is larger than the queue allows: lower `walltime:`, `mem:`, `ncpus:` or `ngpus:`, or pick another `queue:`',
  ],
  [
    /Unauthorized Request|Bad UID|not authorized|Access from host not allowed|Bad GID/i,
    "the server refuses jobs from this user or host: ask the cluster's administrators",
  ],
  [
    /invalid account|Bad Account|project .* (invalid|not found)/i,
    'the account is not valid: check `account:` of the source',
  ],
  [
    /illegal -J value|illegal -t value|Array job range|array.*(too large|exceeds)/i,
    "the array is not accepted: lower `array_throttle:` or the number of tasks per job, or ask for the server's max_array_size",
  ],
  [
    /directive error|Bad walltime|Illegal attribute/i,
    "a #PBS directive is not valid: check the source's fields and `extra_directives:`",
  ],
];

const TEMPORARY =
  /Maximum number of jobs already in queue|would exceed .*limit|cannot connect to (default )?server|Connection refused|pbs_iff|Communication failure|Server unavailable|timed out|temporarily|try again|Resource temporarily unavailable|End of File|Premature end of message/i;

/** What a failed qsub's output means. Unrecognised output counts as permanent: retrying a submit
 * the server rejected for a reason hsm cannot name would only repeat it. */
export function classifyQsubFailure(output: string): QsubFailure {
  for (const [pattern, hint] of PERMANENT) if (pattern.test(output)) return { temporary: false, hint };
  if (TEMPORARY.test(output))
    return {
      temporary: true,
      hint: 'the PBS server is busy or unreachable; hsm retries, and `hsm complete` submits what is left',
    };
  return {
    temporary: false,
    hint: "read qsub's message above; fix the source in hsm_config.yaml, then `hsm complete`",
  };
}
