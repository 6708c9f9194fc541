import type { TerminationReason } from '../domain/task.js';

// The causes a failed, lost or cancelled task is put under, each with what it means for the user and the
// termination reason it implies. Retry decisions are the engine's (engine/retry-policy.ts).
export const FAILURE_CATEGORIES = [
  'oom',
  'cuda_oom',
  'timeout',
  'segfault',
  'command_not_found',
  'missing_module',
  'missing_file',
  'permission_denied',
  'disk_full',
  'nccl',
  'gpu_unavailable',
  'python_exception',
  'cancelled',
  'node_fail',
  'preempted',
  'lost',
  'submit_error',
  'unknown',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

export interface CategoryInfo {
  /** A few words for people: the start of a group's line in `hsm errors`. */
  title: string;
  /** The termination reason this cause implies; null keeps the one the outcome already has. */
  reason: TerminationReason | null;
  hint: string;
}

export const CATEGORY_INFO: Record<FailureCategory, CategoryInfo> = {
  oom: {
    title: 'out of memory (host)',
    reason: 'oom',
    hint: 'the task needed more memory than it had: lower the batch size or the data held in memory, or ask the source for more memory',
  },
  cuda_oom: {
    title: 'CUDA out of memory',
    reason: null,
    hint: 'lower the batch size (or use gradient accumulation / mixed precision), or ask for a larger GPU',
  },
  timeout: {
    title: 'timed out',
    reason: 'timeout',
    hint: "the task ran past its time limit: raise --timeout (or the source's time limit), or make it save checkpoints and resume",
  },
  segfault: {
    title: 'segmentation fault',
    reason: null,
    hint: 'a native library crashed: check the versions of compiled packages (torch, numpy, CUDA) and run one task by hand with the same params',
  },
  command_not_found: {
    title: 'command not found',
    reason: null,
    hint: 'the program is not on PATH where the task runs: check `command:` in the sweep file, the venv/conda environment in hsm_config.yaml, or install it',
  },
  missing_module: {
    title: 'missing Python module',
    reason: null,
    hint: 'install the module in the environment the tasks run in (the venv/conda env of hsm_config.yaml, on that host)',
  },
  missing_file: {
    title: 'missing file',
    reason: null,
    hint: 'a file or directory the task opens does not exist where it runs: check the path (relative paths start at the project root) and that data was synced to that host',
  },
  permission_denied: {
    title: 'permission denied',
    reason: null,
    hint: 'the task may not read, write or execute a path: check its permissions (chmod +x for scripts) and the user the task runs as',
  },
  disk_full: {
    title: 'disk full',
    reason: null,
    hint: 'the file system the task writes to is full (or out of quota): free space, write checkpoints elsewhere, or keep fewer of them',
  },
  nccl: {
    title: 'NCCL error',
    reason: null,
    hint: 'collective communication between GPUs failed: often a network or peer failure; set NCCL_DEBUG=INFO and check the other ranks',
  },
  gpu_unavailable: {
    title: 'GPU could not be initialised',
    reason: 'node_fail',
    hint: 'CUDA/JAX found no usable GPU: check CUDA_VISIBLE_DEVICES, the driver (nvidia-smi) and that the source gives the task a GPU',
  },
  python_exception: {
    title: 'Python exception',
    reason: null,
    hint: "the program raised an exception: read the traceback in the task's stderr (`hsm logs SWEEP TASK --stderr`)",
  },
  cancelled: {
    title: 'cancelled',
    reason: 'cancelled',
    hint: 'stopped by a cancel or Ctrl-C: `hsm complete SWEEP` runs it again',
  },
  node_fail: {
    title: 'node failure',
    reason: 'node_fail',
    hint: 'the node running the task failed: run it again on another node (`hsm complete SWEEP --retry-failed`)',
  },
  preempted: {
    title: 'preempted',
    reason: 'preempted',
    hint: 'the scheduler preempted the task: run it again, or use a partition/QOS without preemption',
  },
  lost: {
    title: 'lost',
    reason: 'lost',
    hint: 'the task left no exit record and its process is gone (host rebooted, killed from outside): `hsm complete SWEEP` runs it again',
  },
  submit_error: {
    title: 'submission failed',
    reason: 'submit_error',
    hint: 'the source refused the task: check the source settings in hsm_config.yaml (partition, account, limits)',
  },
  unknown: {
    title: 'unrecognised failure',
    reason: null,
    hint: 'hsm does not recognise this failure: the last stderr line shown is the evidence (`hsm logs SWEEP TASK --stderr` shows all of it)',
  },
};
