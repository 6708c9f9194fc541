import { Command, InvalidArgumentError } from 'commander';
import {
  checkProjectSync,
  openProject,
  pullProject,
  pushProject,
  renderSyncReport,
  renderTransfer,
  type SyncProgress,
  type TransferOptions,
} from '../../api/index.js';
import { EXIT } from '../exit-codes.js';
import { printJson } from '../output.js';
import { positiveInt } from '../option-parsers.js';

// `hsm sync check|push|pull SOURCE`: compare the local project with its copy on an ssh source, or
// make one side equal to the other. check exits 0 in sync and 1 when the sides differ (as `diff`
// does); a push or pull that would overwrite the other side's own changes is refused (exit 2)
// unless --force.

interface SyncFlags {
  dryRun?: boolean;
  json?: boolean;
  force?: boolean;
  sshConfig?: string;
  sshOption?: string[];
  connectTimeout?: number;
}

const ACTIONS = ['check', 'push', 'pull'] as const;
type Action = (typeof ACTIONS)[number];

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('compare the project with its copy on an ssh source (check), or push / pull it with rsync')
    .argument('<action>', 'check, push or pull', (v: string) => {
      if (!(ACTIONS as readonly string[]).includes(v))
        throw new InvalidArgumentError(`the action is one of ${ACTIONS.join(', ')}, got "${v}"`);
      return v;
    })
    .argument('<source>', 'an ssh source of hsm_config.yaml')
    .option('-n, --dry-run', 'list every file that would move, change nothing')
    .option('--force', 'push or pull even when the other side has changes of its own (they are overwritten)')
    .option('--json', 'the report as JSON')
    .option('--ssh-config <file>', 'ssh client config file (ssh -F)')
    .option('--ssh-option <key=value>', 'extra ssh option (repeatable)', (v: string, acc: string[] = []) => [
      ...acc,
      v,
    ])
    .option('--connect-timeout <seconds>', 'ssh connect timeout', positiveInt('--connect-timeout'))
    .action(async (action: Action, source: string, flags: SyncFlags) => {
      process.exitCode = await runSync(action, source, flags);
    });
}

async function runSync(action: Action, source: string, flags: SyncFlags): Promise<number> {
  const { config } = openProject();
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.on('SIGINT', onSigint);
  const options: TransferOptions = {
    sshConfigFile: flags.sshConfig,
    sshOptions: flags.sshOption,
    connectTimeoutSec: flags.connectTimeout,
    signal: abort.signal,
    dryRun: flags.dryRun,
    force: flags.force,
    onProgress: flags.json ? undefined : progressPrinter(),
  };
  try {
    if (action === 'check') {
      const report = await checkProjectSync(config, source, options);
      if (flags.json) printJson(report);
      else process.stdout.write(renderSyncReport(report) + '\n');
      return report.verdict === 'in_sync' ? EXIT.ok : EXIT.tasksFailed;
    }
    const transfer = await (action === 'push' ? pushProject : pullProject)(config, source, options);
    clearProgress();
    if (flags.json) printJson(transfer);
    else process.stdout.write(renderTransfer(transfer) + '\n');
    return EXIT.ok;
  } finally {
    clearProgress();
    process.off('SIGINT', onSigint);
  }
}

let progressShown = false;

// rsync's overall progress on stderr: one redrawn line on a terminal, a line every 5 s otherwise.
function progressPrinter(): (p: SyncProgress) => void {
  const tty = Boolean(process.stderr.isTTY);
  let last = tty ? 0 : Date.now(); // piped: the first line after 5 s, short transfers stay quiet
  return (p) => {
    const now = Date.now();
    const text = `${p.percent}%  ${(p.bytes / 1048576).toFixed(1)} MiB  ${p.rate}  eta ${p.eta}`;
    if (tty) {
      if (now - last < 100) return;
      process.stderr.write(`\r\x1b[Ktransferring: ${text}`);
      progressShown = true;
    } else {
      if (now - last < 5000) return;
      process.stderr.write(`transferring: ${text}\n`);
    }
    last = now;
  };
}

function clearProgress(): void {
  if (progressShown) process.stderr.write('\r\x1b[K');
  progressShown = false;
}
