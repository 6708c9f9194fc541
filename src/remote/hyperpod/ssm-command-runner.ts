import { quoteShellWord } from '../../domain/shell-quote.js';
import { beginMarker, findEndMarker, newMarkerToken } from '../shell/command-framing.js';
import { PtySession } from '../shell/pty-session.js';
import { decodeTerminalBytes, normalizeNewlines, stripTerminalEscapes } from '../shell/terminal-text.js';
import type { NodeResult, NodeTarget, RunOptions } from '../types.js';
import { buildAwsEnv, buildAwsGlobalArgs, type AwsCliOptions } from './aws-cli.js';

// One-shot commands through SSM's non-interactive command document:
//   aws ssm start-session --target T --document-name AWS-StartNonInteractiveCommand
//       --parameters '{"command":["sh -c '<script>'"]}'
// No prompt to scrape and no session to set up. The session-manager-plugin does not pass the
// remote exit code on (aws/session-manager-plugin#59) and prints "Starting session with
// SessionId ..." / "Exiting session ..." around the output, so the command is still framed by
// random begin/end markers carrying its exit code. `--parameters` is given as JSON: the
// shorthand `command=...` syntax would split a command at its commas.
// It runs in a pty like a user's terminal: the plugin is known to work there.

export const NON_INTERACTIVE_DOCUMENT = 'AWS-StartNonInteractiveCommand';

export interface SsmRunResult {
  result: NodeResult;
  /** True when the command certainly did not start (no begin marker): safe to retry another way. */
  notStarted: boolean;
  /** What the aws CLI printed (for the fallback decision and evidence). */
  transcript: string;
}

// The shell script the node runs: markers around `( eval CMD ) </dev/null`.
export function buildNonInteractiveScript(command: string, token: string): string {
  return (
    `printf '%s%s__\\n' '__HSM_B_' '${token}'; ( eval ${quoteShellWord(command)} ) </dev/null; ` +
    `__hsm_rc=$?; printf '\\n%s%s_%s__\\n' '__HSM_E_' '${token}' "$__hsm_rc"`
  );
}

// The argv of one non-interactive SSM command.
export function buildSsmCommandArgv(
  target: string,
  command: string,
  token: string,
  aws: AwsCliOptions,
): string[] {
  const script = `sh -c ${quoteShellWord(buildNonInteractiveScript(command, token))}`;
  return [
    aws.awsCommand ?? 'aws',
    'ssm',
    'start-session',
    '--target',
    target,
    '--document-name',
    NON_INTERACTIVE_DOCUMENT,
    '--parameters',
    JSON.stringify({ command: [script] }),
    ...buildAwsGlobalArgs(aws),
  ];
}

// Runs one command on one node through the non-interactive document; never throws.
export async function runSsmCommand(
  node: NodeTarget,
  command: string,
  options: RunOptions,
  aws: AwsCliOptions,
): Promise<SsmRunResult> {
  const started = Date.now();
  const token = newMarkerToken();
  const argv = buildSsmCommandArgv(node.target, command, token, aws);
  const base = { node: node.name, exitCode: null, stdout: '', stderr: '', timedOut: false, error: null };
  let pty: PtySession;
  try {
    pty = new PtySession(argv, { env: buildAwsEnv(aws) });
  } catch (err) {
    const result = {
      ...base,
      error: `could not start ${argv[0]}: ${String(err)}`,
      durationMs: Date.now() - started,
    };
    return { result, notStarted: true, transcript: '' };
  }
  pty.listener = options.onData ? (dir, chunk) => options.onData!(dir, chunk) : null;
  const outcome = await pty.waitFor(
    (text) => findEndMarker(text, token),
    started + options.timeoutMs,
    options.signal,
  );
  // The plugin prints its "Exiting session" line after the command; let it finish on its own.
  if (outcome.kind === 'found') await pty.waitExit(2000);
  pty.kill();
  await pty.waitExit(2000);
  const text = pty.text;
  const begin = beginMarker(token);
  const beginAt = text.indexOf(begin);
  const transcript = decodeTerminalBytes(normalizeNewlines(stripTerminalEscapes(text)));
  const clean = (raw: string, complete: boolean) => {
    let out = normalizeNewlines(stripTerminalEscapes(raw));
    if (out.startsWith('\n')) out = out.slice(1);
    if (complete && out.endsWith('\n')) out = out.slice(0, -1);
    return decodeTerminalBytes(out);
  };
  const durationMs = Date.now() - started;
  if (outcome.kind === 'found') {
    const stdout = clean(
      text.slice(beginAt < 0 ? outcome.value.index : beginAt + begin.length, outcome.value.index),
      true,
    );
    options.onData?.('stdout', stdout);
    return {
      result: { ...base, exitCode: outcome.value.exitCode, stdout, durationMs },
      notStarted: false,
      transcript,
    };
  }
  const partial = beginAt < 0 ? '' : clean(text.slice(beginAt + begin.length), false);
  const lastWords = transcript.trim().split('\n').slice(-3).join('\n');
  const error =
    outcome.kind === 'aborted'
      ? 'interrupted'
      : outcome.kind === 'timeout'
        ? null
        : `aws ssm start-session ended (exit code ${pty.exit?.exitCode}) without an exit status${lastWords ? `: ${lastWords}` : ''}`;
  return {
    result: { ...base, stdout: partial, timedOut: outcome.kind === 'timeout', error, durationMs },
    notStarted: beginAt < 0 && outcome.kind === 'exited',
    transcript,
  };
}
