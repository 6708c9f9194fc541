import { batchSourceBuilder } from '../batch/build-batch-source.js';
import { slurmDialect } from './slurm-dialect.js';

// A `type: slurm` source: the batch glue with the Slurm dialect, sbatch/squeue/sacct/scancel run
// on this machine (a login node, or wherever Slurm's commands and the shared filesystem are).
export const buildSlurmSource = batchSourceBuilder('slurm', () => slurmDialect);
