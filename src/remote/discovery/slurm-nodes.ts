import { HsmError } from '../../domain/errors.js';
import { runCommand } from '../../process/run-command.js';

// `--slurm [PARTITION]`: the nodes Slurm knows, as clush's slurm group source does:
// `sinfo -h -o %N [-p PARTITION]` gives folded lists (`node[1-3],gpu01`), and
// `scontrol show hostnames` expands them with Slurm's own hostlist rules. sinfo exits 0 and
// prints nothing for an unknown partition, so an empty answer is checked against the partitions.

export interface SlurmNodeOptions {
  env?: NodeJS.ProcessEnv;
  /** Only nodes in these states (`sinfo -t`, e.g. `idle,mix`). */
  states?: string;
}

// Lists the nodes of a partition (all nodes without one); throws usage for an unknown or empty
// partition and infra when the Slurm commands fail.
export async function listSlurmNodes(
  partition: string | undefined,
  options: SlurmNodeOptions = {},
): Promise<string[]> {
  const sinfo = await run(
    [
      'sinfo',
      '-h',
      '-o',
      '%N',
      ...(partition ? ['-p', partition] : []),
      ...(options.states ? ['-t', options.states] : []),
    ],
    options,
  );
  const lists = sinfo
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lists.length === 0) {
    const partitions = (await run(['sinfo', '-h', '-o', '%R'], options))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const where = `${partition ? ` in partition \`${partition}\`` : ''}${options.states ? ` in state \`${options.states}\`` : ''}`;
    throw new HsmError('usage', where ? `Slurm has no nodes${where}.` : 'Slurm reports no nodes.', {
      hint: partitions.length
        ? `Partitions: ${[...new Set(partitions)].join(', ')}.`
        : 'Check the cluster with `sinfo`.',
    });
  }
  const names = await run(['scontrol', 'show', 'hostnames', lists.join(',')], options);
  return [
    ...new Set(
      names
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
}

async function run(argv: string[], options: SlurmNodeOptions): Promise<string> {
  const r = await runCommand(argv, { env: options.env, timeoutMs: 30_000 });
  if (r.error || r.exitCode !== 0) {
    throw new HsmError(
      'infra',
      `\`${argv.join(' ')}\` failed${r.error ? `: ${r.error}` : ` with exit code ${r.exitCode}`}.`,
      {
        evidence: r.stderr.trim().split('\n').slice(-5).join('\n') || undefined,
        hint: r.error?.includes('ENOENT')
          ? 'The Slurm client commands are not on PATH: run hsm on a login node, or use -w / --hosts-file.'
          : 'Check that slurmctld answers (`scontrol ping`) and that SLURM_CONF points at the right slurm.conf.',
      },
    );
  }
  return r.stdout;
}
