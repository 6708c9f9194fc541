import { describe, expect, it } from 'vitest';
import { diagnoseFailure, type FailureEvidence } from '../../src/diagnose/index.js';

// Recorded stderr of real failures (trimmed to their last lines) -> the cause users should read.

const failed = (
  stderrTail: string,
  exitCode: number | null = 1,
  signal: string | null = null,
): FailureEvidence => ({
  reason: 'failed',
  exitCode,
  signal,
  stderrTail,
});

const TORCH_CUDA_OOM = `Traceback (most recent call last):
  File "/home/u/proj/train.py", line 88, in <module>
    loss = model(batch).sum()
  File "/home/u/.venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1511, in _wrapped_call_impl
    return self._call_impl(*args, **kwargs)
torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 15.78 GiB of which 1.12 GiB is free. Process 48213 has 14.65 GiB memory in use.
`;

const NCCL = `[rank3]: Traceback (most recent call last):
[rank3]:   File "/work/train.py", line 40, in <module>
[rank3]:     dist.all_reduce(t)
[rank3]: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, unhandled system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.20.5
`;

const JAX_NO_GPU = `2024-05-02 10:11:12.123456: E external/xla/xla/stream_executor/cuda/cuda_driver.cc:282] failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected
RuntimeError: Unable to initialize backend 'cuda': FAILED_PRECONDITION: No visible GPU devices. (you may need to uninstall the failing plugin package, or set JAX_PLATFORMS=cpu to skip this backend.)
`;

const SLURM_TIME = `epoch 3 step 1200 loss 0.41
slurmstepd: error: *** JOB 81234 ON node2 CANCELLED AT 2024-04-01T10:00:01 DUE TO TIME LIMIT ***
`;

const SLURM_OOM = `slurmstepd: error: Detected 1 oom-kill event(s) in StepId=81235.batch. Some of your processes may have been killed by the cgroup out-of-memory handler.
`;

describe('diagnoseFailure', () => {
  const cases: [string, FailureEvidence, string, string | RegExp][] = [
    ['torch CUDA OOM', failed(TORCH_CUDA_OOM), 'cuda_oom', /^torch.OutOfMemoryError: CUDA out of memory/],
    ['NCCL', failed(NCCL), 'nccl', /DistBackendError: NCCL error in/],
    ['JAX without a GPU', failed(JAX_NO_GPU), 'gpu_unavailable', /Unable to initialize backend 'cuda'/],
    ['Slurm walltime', failed(SLURM_TIME, null, 'SIGTERM'), 'timeout', /DUE TO TIME LIMIT/],
    ['Slurm cgroup OOM', failed(SLURM_OOM, 1), 'oom', /oom-kill event/],
    [
      'Python MemoryError',
      failed(
        'Traceback (most recent call last):\n  File "a.py", line 2, in <module>\n    x = [0] * 10**12\nMemoryError\n',
      ),
      'oom',
      'MemoryError',
    ],
    [
      'a wrapper script whose child the kernel killed',
      failed('epoch 3\n./train.sh: line 4: 81234 Killed                  python3 train.py\n', 137),
      'oom',
      /81234 Killed/,
    ],
    ['killed by SIGKILL', failed('epoch 1\n', null, 'SIGKILL'), 'oom', /SIGKILL.*out-of-memory killer/],
    [
      'segfault',
      failed('Fatal Python error: Segmentation fault\n', null, 'SIGSEGV'),
      'segfault',
      'killed by SIGSEGV',
    ],
    [
      'missing module',
      failed(
        'Traceback (most recent call last):\n  File "t.py", line 1, in <module>\n    import wandb\nModuleNotFoundError: No module named \'wandb\'\n',
      ),
      'missing_module',
      "ModuleNotFoundError: No module named 'wandb'",
    ],
    [
      'missing file',
      failed("FileNotFoundError: [Errno 2] No such file or directory: '/data/set_3/train.csv'\n"),
      'missing_file',
      "FileNotFoundError: [Errno 2] No such file or directory: '/data/set_3/train.csv'",
    ],
    [
      'disk full',
      failed("OSError: [Errno 28] No space left on device: '/scratch/ckpt/step_100.pt'\n"),
      'disk_full',
      /No space left on device/,
    ],
    [
      'permission denied',
      failed("PermissionError: [Errno 13] Permission denied: '/results/run1'\n"),
      'permission_denied',
      /Permission denied/,
    ],
    [
      'command not found (exec in command.sh)',
      failed('/tmp/s/tasks/task_001/command.sh: line 8: exec: trainz: not found\n', 127),
      'command_not_found',
      /exec: trainz: not found/,
    ],
    ['exit 127 without stderr', failed('', 127), 'command_not_found', 'exit 127: command not found'],
    [
      'project directory gone (exit 126 from cd)',
      failed('command.sh: line 2: cd: /home/u/proj: No such file or directory\n', 126),
      'missing_file',
      /cd: \/home\/u\/proj: No such file/,
    ],
    [
      'script not executable',
      failed('bash: ./run.sh: Permission denied\n', 126),
      'permission_denied',
      /Permission denied/,
    ],
    ['GNU timeout', failed('', 124), 'timeout', /exit 124/],
    [
      'a Python exception',
      failed(
        'Traceback (most recent call last):\n  File "t.py", line 9, in <module>\n    raise ValueError(f"lr {lr} too large")\nValueError: lr 0.5 too large\n',
      ),
      'python_exception',
      'ValueError: lr 0.5 too large',
    ],
    [
      'hsm timed it out',
      {
        reason: 'timeout',
        exitCode: null,
        signal: 'SIGTERM',
        detail: 'timed out after 4h',
        stderrTail: 'Killed\n',
      },
      'timeout',
      'timed out after 4h',
    ],
    [
      'lost',
      {
        reason: 'lost',
        exitCode: null,
        signal: null,
        detail: 'no exit record and the process is gone',
        stderrTail: '',
      },
      'lost',
      /no exit record/,
    ],
    [
      'something else',
      failed('worker 3: bad state 0x7f3a9c\n', 3),
      'unknown',
      'worker 3: bad state 0x7f3a9c',
    ],
    ['nothing at all', failed('', 3), 'unknown', 'exit code 3, nothing on stderr'],
  ];
  it.each(cases)('%s', (_, evidence, category, line) => {
    const d = diagnoseFailure(evidence);
    expect(d.category).toBe(category);
    if (typeof line === 'string') expect(d.evidence).toBe(line);
    else expect(d.evidence).toMatch(line);
    expect(d.hint.length).toBeGreaterThan(20);
  });

  it('makes the termination reason precise: a host OOM is `oom`, a walltime message `timeout`', () => {
    expect(diagnoseFailure(failed('MemoryError\n')).reason).toBe('oom');
    expect(diagnoseFailure(failed('', null, 'SIGKILL')).reason).toBe('oom');
    // unless the source's accounting knows the attempt did not run out of memory (a scheduler's
    // FAILED, not OUT_OF_MEMORY): then it is a kill, not a guessed OOM
    const accounted = diagnoseFailure({ ...failed('', null, 'SIGKILL'), memoryAccounted: true });
    expect(accounted).toMatchObject({ reason: 'failed', category: 'unknown' });
    expect(accounted.evidence).toMatch(/killed by SIGKILL/);
    // a memory kill the task's own stderr shows is still `oom`
    expect(diagnoseFailure({ ...failed(SLURM_OOM, 1), memoryAccounted: true }).reason).toBe('oom');
    expect(diagnoseFailure(failed(SLURM_TIME)).reason).toBe('timeout');
    expect(diagnoseFailure(failed(TORCH_CUDA_OOM)).reason).toBe('failed');
  });

  it('gives failures that differ only in numbers, paths and ids one fingerprint, and different causes different ones', () => {
    const a = diagnoseFailure(
      failed('rank 3 at /tmp/x/run_17/ckpt: checksum 9f8e7d6c5b mismatch (step 1200)\n', 2),
    );
    const b = diagnoseFailure(
      failed('rank 12 at /scratch/y/run_4/ckpt: checksum 0a1b2c3d4e5f mismatch (step 88)\n', 2),
    );
    const c = diagnoseFailure(failed('rank 3: connection refused\n', 2));
    expect(a.category).toBe('unknown');
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
    const m1 = diagnoseFailure(failed("ModuleNotFoundError: No module named 'wandb'\n"));
    const m2 = diagnoseFailure(failed("ModuleNotFoundError: No module named 'h5py'\n"));
    expect(m1.fingerprint).not.toBe(m2.fingerprint); // a different module is a different fix
    const o1 = diagnoseFailure(failed(TORCH_CUDA_OOM));
    const o2 = diagnoseFailure(failed(TORCH_CUDA_OOM.replace('2.00 GiB', '3.50 GiB').replace('48213', '7')));
    expect(o1.fingerprint).toBe(o2.fingerprint);
  });

  it('reads past escape sequences and progress-bar redraws', () => {
    const d = diagnoseFailure(
      failed(
        '\x1b[31m 10%|#   | 1/10\r 20%|##  | 2/10\rValueError: bad batch\x1b[0m\n'.replace(
          '\rValueError',
          '\nTraceback (most recent call last):\nValueError',
        ),
      ),
    );
    expect(d).toMatchObject({ category: 'python_exception', evidence: 'ValueError: bad batch' });
  });
});
