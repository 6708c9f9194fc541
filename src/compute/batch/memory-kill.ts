import { existsSync } from 'node:fs';
import { readTail } from '../../process/task-records.js';

// Whether a job's output shows that the scheduler killed it for its memory. A cluster that enforces
// memory by polling (Slurm's JobAcctGatherParams=OverMemoryKill, no cgroups) kills the job with
// SIGKILL and records it FAILED, not OUT_OF_MEMORY: only slurmstepd's line in the job's output
// tells. With cgroups the line is "Detected N oom-kill event(s)".
const MEMORY_KILL = /Exceeded (job|step) memory limit|oom-kill event|out-of-memory handler/;
const TAIL_BYTES = 64 * 1024;

/** 'killed' when the output's tail names a memory kill, 'not killed' when it does not, null when
 * there is no such file (yet). */
export function memoryKillInOutput(path: string): 'killed' | 'not killed' | null {
  if (!existsSync(path)) return null;
  return MEMORY_KILL.test(readTail(path, TAIL_BYTES)) ? 'killed' : 'not killed';
}
