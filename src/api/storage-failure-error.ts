import { HsmError } from '../domain/errors.js';
import { isDiskFull, type StorageFailure } from '../engine/storage-failure.js';

// What a run that stopped for want of space (or a read-only disk) tells the user: what could not be
// written, where, what became of the tasks, and how to finish. Exit code 3 (infrastructure).
export function storageFailureError(sweepId: string, sweepDir: string, failure: StorageFailure): HsmError {
  const where = failure.path ?? sweepDir;
  const full = isDiskFull(failure);
  return new HsmError(
    'infra',
    `${full ? 'disk full' : 'cannot write'}: ${where} (${failure.code}); hsm stopped handing over tasks`,
    {
      evidence:
        `${failure.message}\n` +
        'tasks already running ran to their end and their records are kept; tasks not started went back to pending;\n' +
        'what the store could not record, `hsm complete` reads back from the task directories',
      hint: `${full ? 'free space on' : 'make writable'} the file system of ${sweepDir} (\`df -h ${sweepDir}\`), then finish the sweep with \`hsm complete ${sweepId}\` (nothing that completed runs again)`,
      details: { code: failure.code, path: where },
    },
  );
}
