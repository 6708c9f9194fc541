import { setMaxListeners } from 'node:events';
import { Command } from 'commander';
import {
  DEFAULT_FANOUT,
  LinePrefixer,
  buildExecJson,
  createExecTransport,
  describeProblem,
  execInteractive,
  execNodeTest,
  execOnNodes,
  foldNodeSet,
  groupIdenticalOutputs,
  outputWriter,
  prepareExecJob,
  renderOutputGroups,
  renderSummaryLine,
  resolveExecNodes,
  summarizeResults,
  toJsonNode,
  type ExecJob,
  type NodeResult,
} from '../../api/index.js';
import { parseDuration } from '../../domain/duration.js';
import { HsmError } from '../../domain/errors.js';
import { EXIT } from '../exit-codes.js';
import { printJson } from '../output.js';
import { asOptionValue, positiveInt } from '../option-parsers.js';

// `hsm exec`: one command line on every node (clush / pdsh style). Output: `node: line` as lines
// arrive (default), identical outputs grouped under a folded node set (-b), one JSON document
// (--json) or JSON lines as nodes finish (--stream). Exit 0 when every node exited 0, 1 when any
// failed or timed out, 2 on bad usage, 130 after Ctrl-C. Without a command: interactive prompt.

interface ExecFlags {
  /** --script FILE; its commands, or a named command's, in scriptCommands. */
  script?: string;
  yes?: boolean;
  scriptCommands?: string[] | null;
  nodes?: string;
  exclude?: string;
  hostsFile?: string;
  group?: string;
  slurm?: string | boolean;
  slurmState?: string;
  hyperpod?: string;
  region?: string;
  profile?: string;
  transport?: 'ssh' | 'shell';
  shellCommand?: string;
  sshConfig?: string;
  sshOption?: string[];
  fanout: number;
  timeout?: number;
  connectTimeout?: number;
  groupOutput?: boolean;
  json?: boolean;
  stream?: boolean;
  debug?: boolean;
  raw?: boolean;
  testNode?: string;
}

// setTimeout's ceiling (~24.8 days): "no timeout" for the fan-out.
const NO_TIMEOUT_MS = 2_147_483_647;
const MAX_TIMEOUT_MS = 24 * 86_400_000;

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description('run one shell command line on every node (no command: interactive prompt)')
    .argument(
      '[command...]',
      'the command line, as the remote shell will read it (quote it, or put it after --)',
    )
    .option('-w, --nodes <nodeset>', 'nodes, ClusterShell syntax: node[01-16,20],gpu[1-4]')
    .option('-x, --exclude <nodeset>', 'leave these nodes out')
    .option(
      '--script <file>',
      'run the commands of FILE (one per line) in order; a node stops at its first failure',
    )
    .option('--hosts-file <file>', 'nodes from a file, one per line (# comments)')
    .option('-g, --group <names>', 'node groups from the groups: map of hsm_config.yaml (comma-separated)')
    .option('--slurm [partition]', 'the nodes of a Slurm partition (all nodes without one)')
    .option('--slurm-state <states>', 'with --slurm: only nodes in these states, e.g. idle,mix (sinfo -t)')
    .option('--hyperpod <cluster>', 'the running nodes of a SageMaker HyperPod cluster (through the AWS CLI)')
    .option('--region <region>', 'AWS region for --hyperpod')
    .option('--profile <profile>', 'AWS profile for --hyperpod')
    .option(
      '--transport <kind>',
      'ssh (exec channel, default) or shell (interactive shell in a pty)',
      asOptionValue(parseTransport),
    )
    .option(
      '--shell-command <template>',
      'command that opens a shell on a node, with {node} / {target} (shell transport)',
    )
    .option('--ssh-config <file>', 'ssh client config file (ssh -F)')
    .option(
      '--ssh-option <key=value>',
      'extra ssh option, repeatable (ssh -o), e.g. Port=2222 or ControlMaster=no',
      collect,
    )
    .option('-f, --fanout <n>', 'nodes at once', positiveInt('--fanout'), DEFAULT_FANOUT)
    .option(
      '-t, --timeout <duration>',
      'command timeout per node (90s, 5m); output so far is kept',
      asOptionValue(parsePositiveDuration),
    )
    .option(
      '--connect-timeout <seconds>',
      'connection timeout per node (default 10)',
      positiveInt('--connect-timeout'),
    )
    .option('-b, --group-output', 'print identical outputs once, under their folded node set (clush -b)')
    .option('--json', 'one JSON document on stdout when all nodes are done')
    .option('--stream', 'one JSON line per node on stdout as each finishes')
    .option('--test-node <node>', 'check one node (open its session, time one round trip) and exit 0 or 1')
    .option('--raw', 'write node output to a terminal as is (default there: control characters escaped)')
    .option('-y, --yes', 'accept a node set of over 4,096 nodes')
    .option('--debug', 'print the ssh argv and the raw bytes of every node on stderr')
    .action(async (words: string[], flags: ExecFlags) => {
      const job = prepareExecJob(words, flags.script, process.cwd());
      process.exitCode = await runExec(job.command, withJob(flags, job));
    });
}

// A named command's nodes and timeout apply unless the command line gives its own.
function withJob(flags: ExecFlags, job: ExecJob): ExecFlags {
  const selected = flags.nodes ?? flags.hostsFile ?? flags.group ?? flags.slurm ?? flags.hyperpod;
  return {
    ...flags,
    nodes: selected === undefined ? (job.nodes ?? undefined) : flags.nodes,
    timeout: flags.timeout ?? job.timeoutMs ?? undefined,
    scriptCommands: job.script,
  };
}

async function runExec(command: string, flags: ExecFlags): Promise<number> {
  if (flags.json && flags.stream)
    throw usage(
      '--json and --stream cannot be combined.',
      'Pick one: --json for one document, --stream for JSON lines.',
    );
  for (const other of ['stream', 'json'] as const)
    if (flags.groupOutput && flags[other])
      throw usage(
        `-b and --${other} cannot be combined.`,
        `-b prints grouped text on stdout, --${other} prints JSON there: pick one.`,
      );
  const interactive = command.trim() === '';
  if (interactive && (flags.json || flags.stream || flags.groupOutput)) {
    throw usage(
      '--json, --stream and -b need a COMMAND.',
      'Give the command to run, e.g. hsm exec -w node[1-4] --json uptime.',
    );
  }
  const nodes = await resolveExecNodes(
    {
      // --test-node alone names its node: no other selection needed for ssh / shell
      nodes:
        flags.nodes ??
        (flags.testNode !== undefined && !flags.hostsFile && !flags.group && !flags.slurm && !flags.hyperpod
          ? flags.testNode
          : undefined),
      exclude: flags.exclude,
      hostsFile: flags.hostsFile,
      groups: flags.group,
      slurm: flags.slurm,
      slurmStates: flags.slurmState,
      hyperpod: flags.hyperpod,
      region: flags.region,
      profile: flags.profile,
      yes: flags.yes,
    },
    process.cwd(),
  );
  const transport = createExecTransport({
    nodeCount: nodes.length,
    transport: flags.transport,
    shellCommand: flags.shellCommand,
    sshConfig: flags.sshConfig,
    sshOptions: flags.sshOption,
    connectTimeoutSec: flags.connectTimeout,
    interactive,
    hyperpod: flags.hyperpod,
    region: flags.region,
    profile: flags.profile,
  });
  const timeoutMs = flags.timeout ?? NO_TIMEOUT_MS;
  if (flags.testNode !== undefined) {
    const node = nodes.find((n) => n.name === flags.testNode || n.target === flags.testNode);
    if (!node) {
      throw usage(
        `--test-node ${flags.testNode}: no such node among ${foldNodeSet(nodes.map((n) => n.name))}.`,
        'Name one of the selected nodes.',
      );
    }
    try {
      return await execNodeTest(transport, node, { timeoutMs: flags.timeout ?? 60_000, debug: flags.debug });
    } finally {
      await transport.close();
    }
  }
  if (interactive) {
    try {
      return await execInteractive({ nodes, transport, timeoutMs, fanout: flags.fanout, debug: flags.debug });
    } finally {
      await transport.close();
    }
  }

  // node output: control characters escaped on a terminal (unless --raw), bytes kept elsewhere
  const out = outputWriter(process.stdout, !flags.raw && Boolean(process.stdout.isTTY));
  const err = outputWriter(process.stderr, !flags.raw && Boolean(process.stderr.isTTY));
  const jsonLine = (value: unknown) => process.stdout.write(JSON.stringify(value) + '\n');
  const human = !flags.json && !flags.stream;
  const stdoutLines = new LinePrefixer(out);
  const stderrLines = new LinePrefixer(err);
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per node in flight
  // `hsm exec ... | head`: a closed stdout stops the run quietly with exit 0, as other Unix tools do
  let stdoutClosed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutClosed = true;
    abort.abort();
  });
  const stopSignals = onStopSignals(() => {
    err('hsm: interrupting the command on every node (Ctrl-C again to quit at once)\n');
    abort.abort();
  });
  if (flags.debug && 'argvFor' in transport) {
    const argvFor = (transport as { argvFor(n: (typeof nodes)[number], c: string): string[] }).argvFor.bind(
      transport,
    );
    err(
      `[debug] ${nodes.length} nodes: ${foldNodeSet(nodes.map((n) => n.name))}\n[debug] argv: ${JSON.stringify(argvFor(nodes[0]!, flags.scriptCommands?.[0] ?? command))}\n`,
    );
  }

  let results: NodeResult[];
  try {
    results = await execOnNodes(transport, nodes, command, {
      fanout: flags.fanout,
      script: flags.scriptCommands,
      timeoutMs,
      signal: abort.signal,
      onData: (node, stream, chunk) => {
        if (flags.debug && (stream === 'raw-in' || stream === 'raw-out'))
          err(`[debug] ${node} ${stream === 'raw-in' ? '<' : '>'} ${JSON.stringify(chunk)}\n`);
        if (!human) return;
        if (stream === 'stdout' && !flags.groupOutput) stdoutLines.push(node, chunk);
        if (stream === 'stderr') stderrLines.push(node, chunk);
      },
      onNotice: (node, text) => err(`hsm: ${node}: ${text}\n`),
      onResult: (r) => {
        if (flags.stream) jsonLine(toJsonNode(r));
        if (!human) return;
        stdoutLines.flush(r.node);
        stderrLines.flush(r.node);
        const problem = describeProblem(r, timeoutMs);
        if (problem && !stdoutClosed) err(`hsm: ${r.node}: ${problem}\n`);
      },
    });
  } finally {
    stopSignals();
    await transport.close();
  }

  if (stdoutClosed) return EXIT.ok;
  if (flags.json) printJson(buildExecJson(results));
  if (flags.stream) jsonLine({ summary: summarizeResults(results) });
  if (flags.groupOutput) out(renderOutputGroups(groupIdenticalOutputs(results)));
  err(`hsm exec: ${renderSummaryLine(results)}\n`);
  if (abort.signal.aborted) return EXIT.interrupted;
  const s = summarizeResults(results);
  return s.failed + s.timed_out > 0 ? EXIT.tasksFailed : EXIT.ok;
}

// Ctrl-C, `kill` (TERM) and a closed terminal (HUP) all interrupt the run cleanly: remote commands
// are stopped before hsm exits. A second signal exits at once. Returns the function that uninstalls.
function onStopSignals(stop: () => void): () => void {
  let received = 0;
  const handler = () => {
    if (++received > 1) process.exit(EXIT.interrupted);
    process.stderr.on('error', () => undefined); // after HUP the terminal may be gone
    try {
      stop();
    } catch {
      /* the terminal may be gone (HUP): stopping matters, not the notice */
    }
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

function collect(value: string, all: string[] | undefined): string[] {
  return [...(all ?? []), value];
}

function parseTransport(v: string): 'ssh' | 'shell' {
  if (v === 'ssh' || v === 'shell') return v;
  throw new Error(`--transport must be ssh or shell, got "${v}"`);
}

function parsePositiveDuration(v: string): number {
  const ms = parseDuration(v);
  if (ms <= 0) throw new Error(`--timeout must be longer than 0, got "${v}"`);
  // timers hold at most 2^31-1 ms (~24.8 days); a longer one would fire at once
  if (ms > MAX_TIMEOUT_MS)
    throw new Error(`--timeout must be at most 24d, got "${v}" (leave -t out for none)`);
  return ms;
}

function usage(message: string, hint: string): HsmError {
  return new HsmError('usage', message, { hint });
}
