// The `shell` transport: commands through an interactive shell in a pty.
//
// Exports used by `hsm exec`:
//   createShellTransport({ shellCommand, sessionRateLimit?, connectTimeoutMs?, env? }) -> ShellTransport
//     implements Transport (run / close) plus open(node) to open a session up front. Throws a
//     usage HsmError for a bad template or a program not on PATH.
//   parseShellCommandTemplate(template) -> { words, hasPlaceholder } (validate --shell-command early)
//   renderShellCommandArgv(template, node) -> argv for one node
//   checkTemplateNamesNodes(template, nodeCount) -> throws when several nodes share a template without {node}
// RunOptions.onData receives 'raw-in' (bytes from the node) and 'raw-out' (bytes typed to it),
// one char per byte (latin1), for --debug; 'stdout' with the cleaned output, line by line as it
// arrives (output-framer.ts).
// stderr is merged into stdout by the pty: NodeResult.stderr is always ''.
// Interactive mode lives in src/remote/interactive.ts:
//   runInteractive({ nodes, transport, timeoutMs, fanout?, debug?, historyPath? }) -> exit code
//   runNodeTest(transport, node, { timeoutMs, debug? }) -> 0 ok / 1 failed   (--test-node ID)
// ShellRunOptions.input types text to a running command (read from /dev/tty) in acknowledged
// blocks: how session-sync moves file data through the session.
// HyperPod (discovery + SSM transport): src/remote/hyperpod/index.ts.
export { createShellTransport, ShellTransport, type ShellTransportOptions } from './shell-transport.js';
export type { SessionInput, ShellRunOptions } from './shell-session.js';
export {
  checkTemplateNamesNodes,
  parseShellCommandTemplate,
  renderShellCommandArgv,
  type ShellCommandTemplate,
} from './shell-command-template.js';
