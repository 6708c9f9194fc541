import {
  nodeErrorResult,
  type NodeResult,
  type NodeTarget,
  type RunOptions,
  type StepResult,
  type Transport,
} from './types.js';

// `hsm exec --script FILE` and named commands with a `run:` list: several commands run in order on
// each node, through the sessions the transport keeps (one ssh master connection, or one shell,
// per node), each node stopping at its first command that fails, times out or cannot run. Nodes
// go at their own pace: a fast node does not wait for a slow one between commands. Each command
// runs in a fresh shell of that session, so `cd` and `export` do not carry over (write
// `cd /x && make` on one line). The fan-out sees one result per node, with the steps attached.

// Wraps a transport so that `run` runs every command of the script on the node.
export function scriptTransport(inner: Transport, commands: readonly string[]): Transport {
  return {
    kind: inner.kind,
    run: (node, _label, options) => runScript(inner, node, commands, options),
    close: () => inner.close(),
  };
}

async function runScript(
  inner: Transport,
  node: NodeTarget,
  commands: readonly string[],
  options: RunOptions,
): Promise<NodeResult> {
  const steps: StepResult[] = [];
  for (const command of commands) {
    if (options.signal?.aborted) break;
    const { node: _name, steps: _inner, ...result } = await inner.run(node, command, options);
    steps.push({ command, ...result });
    if (result.timedOut || result.error !== null || result.exitCode !== 0) break;
  }
  const last = steps[steps.length - 1];
  if (!last) return { ...nodeErrorResult(node, 'interrupted'), steps };
  return {
    node: node.name,
    exitCode: last.exitCode,
    stdout: steps.map((s) => s.stdout).join(''),
    stderr: steps.map((s) => s.stderr).join(''),
    timedOut: last.timedOut,
    error: last.error,
    durationMs: steps.reduce((ms, s) => ms + s.durationMs, 0),
    steps,
  };
}
