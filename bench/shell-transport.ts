// Per-command overhead of the `shell` transport over a raw shell: the same pty class, the same
// shell, the same command (`true`), N times. "raw" types `true; echo __DONE_$?__` and waits for the
// sentinel (the least any pty driver must do); "transport" is ShellTransport.run (encoded command,
// random markers, subshell, /dev/null stdin, output cleaning). Run through bench/shell-transport.sh.
import { PtySession } from '../src/remote/shell/pty-session.js';
import { createShellTransport } from '../src/remote/shell/index.js';

const N = Number(process.env.N ?? 200);

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return {
    median: sorted[Math.floor(sorted.length / 2)]!,
    mean,
    p95: sorted[Math.floor(sorted.length * 0.95)]!,
  };
}

async function raw(argv: string[]): Promise<number[]> {
  const pty = new PtySession(argv);
  pty.write("stty -echo; PS1=''; PS2=''; unset PROMPT_COMMAND; echo __READY\"\"__\n");
  await pty.waitFor((t) => (t.includes('__READY__') ? true : null), Date.now() + 30_000);
  pty.consume(pty.text.length);
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    pty.write('true; echo __DONE_$?__\n');
    const r = await pty.waitFor((t) => {
      const at = t.indexOf('__DONE_0__');
      return at < 0 ? null : at;
    }, Date.now() + 30_000);
    if (r.kind !== 'found') throw new Error(`raw shell: ${r.kind}`);
    pty.consume(r.value + 10);
    times.push(performance.now() - t0);
  }
  pty.kill();
  return times;
}

async function transport(shellCommand: string): Promise<number[]> {
  const t = createShellTransport({ shellCommand });
  const node = { name: 'bench', target: 'bench' };
  await t.run(node, 'true', { timeoutMs: 30_000 }); // opens the session, not timed
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const r = await t.run(node, 'true', { timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw new Error(`transport: ${JSON.stringify(r)}`);
    times.push(performance.now() - t0);
  }
  await t.close();
  return times;
}

const targets: { label: string; argv: string[] }[] = [
  { label: 'local `bash --norc -i`', argv: ['bash', '--norc', '-i'] },
];
if (process.env.SSH_HOST && process.env.SSH_CONFIG) {
  targets.push({
    label: `\`ssh -tt ${process.env.SSH_HOST}\` (test host)`,
    argv: ['ssh', '-F', process.env.SSH_CONFIG, '-o', 'BatchMode=yes', '-tt', process.env.SSH_HOST],
  });
}
console.log(`| shell | raw median / mean (ms) | transport median / mean (ms) | overhead median (ms) |`);
console.log(`|---|---|---|---|`);
for (const { label, argv } of targets) {
  const r = stats(await raw(argv));
  const s = stats(await transport(argv.map((w) => (/^[\w./=-]+$/.test(w) ? w : `'${w}'`)).join(' ')));
  console.log(
    `| ${label} | ${r.median.toFixed(2)} / ${r.mean.toFixed(2)} | ${s.median.toFixed(2)} / ${s.mean.toFixed(2)} | ${(s.median - r.median).toFixed(2)} |`,
  );
}
console.log(`\nN=${N} commands of \`true\` per cell, one session each, node ${process.version}.`);
