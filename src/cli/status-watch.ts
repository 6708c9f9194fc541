import {
  LeftSweepFollower,
  getSweepStatus,
  leftOnScheduler,
  openSweepWatcher,
  type ProjectContext,
  type WatchSnapshot,
} from '../api/index.js';
import { EXIT } from './exit-codes.js';
import { painterFor, useColor } from './output.js';
import { failureText, watchFrame, watchLine } from './watch-view.js';

// `hsm status --watch`: refreshes until no hsm process runs the sweep (it has ended, or was stopped)
// and none of its jobs is left on a scheduler, then leaves the last state on the screen and exits 0;
// Ctrl-C stops watching (exit 130), the sweep itself goes on. A sweep left on a scheduler (no hsm
// follows it) is followed by the watch itself: its jobs' records pulled and taken in every few
// seconds (api/left-sweep-follow.ts), a failed pull shown once as a warning and tried again. On a terminal (with colour allowed) one frame is redrawn in place; piped or with
// NO_COLOR, a plain line is printed when something changed (and at least every 30 s), each new
// failure on its own line; `--json`: the `hsm status --json` document, one line per refresh.

export interface WatchOptions {
  json: boolean;
  intervalMs: number;
  /** ssh client config file (`ssh -F`) for the login node of a sweep left on a scheduler. */
  sshConfigFile?: string;
}

const HEARTBEAT_MS = 30_000;
/** A sweep left on a scheduler is pulled at most this often (one ssh connection and rsync each). */
const PULL_EVERY_MS = 5_000;

export async function watchStatus(
  project: ProjectContext,
  idOrPrefix: string | undefined,
  opts: WatchOptions,
): Promise<{ code: number; sweepDir: string | undefined }> {
  const out = process.stdout;
  const live = !opts.json && useColor(out);
  let interrupted = false;
  let wake: (() => void) | null = null;
  const onInterrupt = () => {
    interrupted = true;
    wake?.();
  };
  process.on('SIGINT', onInterrupt);
  const watcher = openSweepWatcher(project, idOrPrefix);
  const follower = new LeftSweepFollower(project, watcher.dir, {
    sshConfigFile: opts.sshConfigFile,
    everyMs: Math.max(opts.intervalMs, PULL_EVERY_MS),
  });
  await follower.round(); // the first state shown is the truth
  const view = live ? liveView(out) : plainView(out);
  try {
    for (;;) {
      for (const w of follower.takeWarnings())
        view.warn(
          `warning: ${w}: shown is what had come back before; tried again every few seconds ` +
            `(\`hsm collect\` brings the rest once the login node answers)`,
        );
      let ended: boolean;
      let left: boolean;
      if (opts.json) {
        // the whole `hsm status --json` document, rows included, on one line
        const status = getSweepStatus(project, watcher.dir);
        out.write(JSON.stringify(status) + '\n');
        left = leftOnScheduler(project, status);
        ended = status.running_pid === null && !left;
      } else {
        const snap = watcher.snapshot();
        view.show(snap);
        ({ ended, left } = snap);
      }
      if (ended || interrupted) break;
      if (left) follower.poke(() => wake?.());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      if (interrupted) break;
    }
  } finally {
    if (!opts.json) view.end();
    await follower.settle();
    watcher.close();
    process.off('SIGINT', onInterrupt);
  }
  return { code: interrupted ? EXIT.interrupted : EXIT.ok, sweepDir: watcher.dir };
}

interface View {
  show(s: WatchSnapshot): void;
  /** A line printed once, above what is redrawn. */
  warn(line: string): void;
  end(): void;
}

function liveView(out: NodeJS.WriteStream): View {
  const paint = painterFor(out);
  let drawn = 0;
  out.write('\x1b[?25l'); // no cursor blinking over the frame
  return {
    show(s) {
      const lines = watchFrame(s, { columns: out.columns || 80, rows: out.rows || 24 }, paint);
      // Back to the frame's first line, each line rewritten and cleared to its end, what is left of a
      // longer previous frame cleared below.
      const up = drawn > 0 ? `\x1b[${drawn}F` : '\r';
      out.write(`${up}${lines.map((l) => `${l}\x1b[K\n`).join('')}\x1b[J`);
      drawn = lines.length;
    },
    warn(line) {
      // in place of the frame, which is drawn again below it at the next refresh
      out.write(`${drawn > 0 ? `\x1b[${drawn}F` : '\r'}\x1b[J${line}\n`);
      drawn = 0;
    },
    end() {
      out.write('\x1b[?25h');
    },
  };
}

function plainView(out: NodeJS.WriteStream): View {
  let last = '';
  let lastAt = 0;
  const reported = new Set<string>();
  return {
    show(s) {
      for (const f of [...s.recent_failures].reverse()) {
        const key = `${f.name}:${f.ended_at_ms}`;
        if (reported.has(key)) continue;
        reported.add(key);
        out.write(`failed: ${failureText(f, s.now_ms)}\n`);
      }
      const line = watchLine(s);
      const changed = line.slice(9) !== last; // the line without its clock
      if (changed || s.ended || s.now_ms - lastAt >= HEARTBEAT_MS) {
        out.write(line + '\n');
        last = line.slice(9);
        lastAt = s.now_ms;
      }
    },
    warn(line) {
      process.stderr.write(line + '\n');
    },
    end() {},
  };
}
