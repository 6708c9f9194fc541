import { HsmError } from '../../domain/errors.js';
import type { ShellRunOptions, ShellTransport } from '../shell/index.js';
import type { NodeResult, NodeTarget } from '../types.js';
import { parseHelperOutput, type HelperOutput } from './data-lines.js';
import { gunzipSync } from 'node:zlib';
import { HELPER_MISSING_EXIT, helperCommand, installHelperCommand } from './remote-helper.js';

// What session sync needs from a session: run one command at a time on one node, with text typed
// to it (ShellRunOptions.input). A ShellTransport and a node make one (sessionShellOf); a caller
// with its own session handling can pass anything that runs commands this way.
export interface SessionShell {
  /** The node's name, for messages. */
  readonly node: string;
  run(command: string, options: ShellRunOptions): Promise<NodeResult>;
}

export function sessionShellOf(transport: ShellTransport, node: NodeTarget): SessionShell {
  return { node: node.name, run: (command, options) => transport.run(node, command, options) };
}

export interface HelperCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  input?: ShellRunOptions['input'];
  /** What is being done, for an error message ("reading the node's copy"). */
  what: string;
}

// Runs one helper command, installing the helper first when the node lacks this version. A
// session that fails (closed, timed out) is an infrastructure error naming the node and the step.
export async function runHelper(
  shell: SessionShell,
  args: readonly string[],
  options: HelperCallOptions,
): Promise<{ result: NodeResult; out: HelperOutput }> {
  let result = await runChecked(shell, helperCommand(args), options);
  // (text typed for a command that found no helper reached the shell as `#` comments: typed again)
  if (result.exitCode === HELPER_MISSING_EXIT) {
    const installed = await runChecked(shell, installHelperCommand(), {
      ...options,
      what: 'installing the sync helper',
    });
    if (installed.exitCode !== 0 || !installed.stdout.includes('HSM-INSTALLED')) {
      throw new HsmError('infra', `Could not install hsm's sync helper in $HOME/.hsm on ${shell.node}.`, {
        evidence: installed.stdout.trim().split('\n').slice(-5).join('\n'),
        hint: 'The node needs a writable home directory ($HOME/.hsm).',
      });
    }
    result = await runChecked(shell, helperCommand(args), options);
  }
  return { result, out: parseAnswer(shell, result, options.what) };
}

// A section whose base64 or gzip is damaged (a line lost or mangled on the terminal) is an
// infrastructure failure like a dead session, so the caller's retry reads it again.
function parseAnswer(shell: SessionShell, result: NodeResult, what: string): HelperOutput {
  try {
    return parseHelperOutput(result.stdout, (b) => gunzipSync(b));
  } catch (err) {
    throw new HsmError('infra', `The answer from ${shell.node} arrived damaged while ${what}.`, {
      evidence: err instanceof Error ? err.message : String(err),
      hint: 'Sync again: what arrived intact is kept and not sent again.',
    });
  }
}

async function runChecked(
  shell: SessionShell,
  command: string,
  options: HelperCallOptions,
): Promise<NodeResult> {
  const result = await shell.run(command, {
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.input ? { input: options.input } : {}),
  });
  if (options.signal?.aborted)
    throw new HsmError('interrupted', `Interrupted while ${options.what} on ${shell.node}.`);
  if (result.error !== null || result.timedOut || result.exitCode === null) {
    const why = result.timedOut
      ? `no answer within ${Math.round(options.timeoutMs / 1000)} s`
      : (result.error ?? 'no exit code');
    throw new HsmError('infra', `The session to ${shell.node} failed while ${options.what}: ${why}.`, {
      evidence: result.stdout.trim().split('\n').slice(-3).join('\n') || undefined,
      hint: 'Check that the node is up and its session opens (hsm exec --test-node); sync again: what arrived is kept and not sent again.',
    });
  }
  return result;
}
