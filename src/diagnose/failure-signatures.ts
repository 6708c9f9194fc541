import type { TerminationReason } from '../domain/task.js';
import type { FailureCategory } from './failure-category.js';

// The table of failure signatures, in order: the first that matches names the cause. A signature holds
// when every condition it states holds. Order: what the source or hsm itself decided (timeout, cancel,
// scheduler verdicts) first; then a death by signal or a shell's own exit status, which outranks
// whatever the program printed last; then stderr lines, most specific first; exit 126 only after the
// stderr lines, because `cd` into a missing project directory exits 126 too.

export interface FailureSignature {
  category: FailureCategory;
  /** Termination reasons it applies to; absent: `failed` only. */
  reasons?: readonly TerminationReason[];
  exitCodes?: readonly number[];
  signals?: readonly string[];
  /** Matched against the last stderr lines, latest first; the matching line is the evidence. */
  stderr?: RegExp;
  /** What a signature without a stderr line says as evidence. */
  describe?: string;
  /** It only guesses an out-of-memory kill: skipped when the source's accounting knows better. */
  guessesOom?: true;
}

const reason = (r: TerminationReason & FailureCategory): FailureSignature => ({
  category: r,
  reasons: [r],
});

export const FAILURE_SIGNATURES: readonly FailureSignature[] = [
  reason('timeout'),
  reason('cancelled'),
  reason('preempted'),
  reason('node_fail'),
  reason('lost'),
  reason('submit_error'),
  { category: 'oom', reasons: ['oom'], describe: 'the source reports the task ran out of memory' },
  { category: 'segfault', signals: ['SIGSEGV', 'SIGBUS'], describe: 'killed by {signal}' },
  {
    category: 'oom',
    signals: ['SIGKILL'],
    guessesOom: true,
    describe: "killed by SIGKILL, which hsm did not send: usually the kernel's out-of-memory killer",
  },
  { category: 'timeout', exitCodes: [124], describe: 'exit 124: a `timeout` command stopped it' },
  { category: 'command_not_found', exitCodes: [127], stderr: /not found|No such file or directory/ },
  { category: 'command_not_found', exitCodes: [127], describe: 'exit 127: command not found' },
  {
    category: 'cuda_oom',
    stderr:
      /CUDA out of memory|CUDA error: out of memory|OutOfMemoryError: CUDA|CUBLAS_STATUS_ALLOC_FAILED|RESOURCE_EXHAUSTED: Out of memory while trying to allocate/,
  },
  {
    category: 'nccl',
    stderr:
      /\bnccl(?:Internal|System|UnhandledCuda|InvalidUsage|Remote)Error\b|NCCL (?:error|Error|WARN|timeout)|NCCL communicator was aborted|DistBackendError/,
  },
  {
    category: 'gpu_unavailable',
    stderr:
      /no CUDA-capable device is detected|CUDA driver initialization failed|CUDA_ERROR_NO_DEVICE|cudaErrorNoDevice|Found no NVIDIA driver|Unable to initialize backend '(?:cuda|gpu)'|CUDA initialization: |cuInit\(0\) failed|NVIDIA-SMI has failed/,
  },
  {
    category: 'timeout',
    stderr: /DUE TO TIME LIMIT|TIME LIMIT EXCEEDED|walltime .*exceeded|job killed: walltime/i,
  },
  {
    category: 'oom',
    stderr:
      /\bMemoryError\b|std::bad_alloc|Cannot allocate memory|oom-kill|Out of memory: Killed process|OOM[- ]?[Kk]illed|\bout of memory\b|^Killed$|\d+ Killed\s/,
  },
  { category: 'disk_full', stderr: /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/ },
  {
    category: 'missing_module',
    stderr: /ModuleNotFoundError: |ImportError: No module named|ImportError: cannot import name/,
  },
  {
    category: 'permission_denied',
    stderr: /Permission denied|PermissionError|EACCES|Operation not permitted/,
  },
  { category: 'command_not_found', stderr: /: command not found$|\bexec: .*: not found$/ },
  { category: 'missing_file', stderr: /No such file or directory|FileNotFoundError|ENOENT/ },
  {
    category: 'permission_denied',
    exitCodes: [126],
    describe: 'exit 126: the command could not be executed',
  },
  { category: 'segfault', stderr: /Segmentation fault|Fatal Python error: (?:Segmentation fault|Bus error)/ },
];
