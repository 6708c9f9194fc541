// Sync through a session (remote/session-sync) against a full tarball through the same session.
// A 2,000-file project on node24 of scripts/infra, reached only through a pty
// (test/fixtures/pty-only/ssh-tt). Times: the first push; an incremental push with 3 files
// changed (median of REPS); the whole project as a tarball (`tar cz`, base64, typed to
// `base64 -d | tar xz` on the node through the same session and the same acknowledged-block
// typing, median of REPS): the fastest a tool that sends everything could be over this channel.
// Also the commands (and round trips) each incremental push took through the session.
// Run through bench/session-sync.sh.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createShellTransport } from '../src/remote/shell/index.js';
import { pushThroughSession, sessionShellOf } from '../src/remote/session-sync/index.js';
import { readLocalManifest } from '../src/remote/session-sync/local-manifest.js';

const REPS = Number(process.env.REPS ?? 5);
const NODE = process.env.NODE_NAME ?? 'node24';
// code: 2,000 source files; mixed: 1,900 source files and 100 binary assets of 200 KB
const KIND = process.env.KIND ?? 'mixed';
const WRAPPER = resolve(import.meta.dirname ?? '.', process.env.WRAPPER ?? 'test/fixtures/pty-only/ssh-tt');

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hsm-bench-ssync-'));
  const sources = KIND === 'code' ? 2000 : 1900;
  for (let i = 0; i < sources; i++) {
    const d = join(dir, `pkg${Math.floor(i / 50)}`);
    mkdirSync(d, { recursive: true });
    let text = '';
    for (let j = 0; j < 40; j++) {
      text += `def fn_${randomBytes(4).toString('hex')}(x):\n    return x * ${j} + ${randomBytes(3).readUIntBE(0, 3)}\n`;
    }
    writeFileSync(join(d, `mod${i % 50}.py`), text);
  }
  if (KIND !== 'code') {
    mkdirSync(join(dir, 'assets'));
    for (let i = 0; i < 100; i++) writeFileSync(join(dir, 'assets', `img${i}.png`), randomBytes(200_000));
  }
  return dir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = project();
const files = Number(
  execFileSync('sh', ['-c', 'find . -type f | wc -l'], { cwd: dir, encoding: 'utf8' }).trim(),
);
const bytes = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
const transport = createShellTransport({ shellCommand: `${WRAPPER} {node}`, connectTimeoutMs: 30_000 });
const node = { name: NODE, target: NODE };
const plain = sessionShellOf(transport, node);
// commands typed into the session (each one a round trip, two when data is typed to it)
let commands = 0;
let typedTo = 0;
// when each step of an incremental push happened (ms since the push began): the command handed to
// the session, its first block of data typed (its begin marker came), each status line the node
// printed as it arrived here, the command's end marker
let t0 = 0;
let marks: [string, number][] = [];
const mark = (what: string) => marks.push([what, performance.now() - t0]);
const shell: typeof plain = {
  node: plain.node,
  run: async (command, options) => {
    commands++;
    // (a push begun before the local scan types its data once the plan is known, after the
    // command's begin marker, which came while the scan ran: no round trip of its own)
    if (options.input && !options.input.early && !options.input.later) typedTo++;
    mark('command');
    const input = options.input && {
      ...options.input,
      onTyped: (b: string) => {
        if (!marks.some(([w]) => w === 'typed')) mark('typed');
        options.input!.onTyped?.(b);
      },
    };
    const r = await plain.run(command, {
      ...options,
      ...(input ? { input } : {}),
      onData: (_s, text) => {
        if (_s === 'stdout') for (const m of text.matchAll(/^HSM-([A-Z]+)/gm)) mark(m[1]!);
      },
    });
    mark('end');
    return r;
  },
};
const remote = `hsm-bench-ssync-${process.pid}`;
const load = () => execFileSync('cut', ['-d', ' ', '-f1-3', '/proc/loadavg'], { encoding: 'utf8' }).trim();
console.error(
  `project: ${files} files, ${bytes} bytes (${KIND}); node ${NODE}; reps ${REPS}; load before ${load()}`,
);

try {
  await transport.run(node, 'true', { timeoutMs: 30_000 }); // the session is open before any timing
  t0 = performance.now();
  const first = await pushThroughSession(shell, {
    localRoot: dir,
    remoteRoot: `${remote}/sync`,
    timeoutMs: 600_000,
  });
  const firstMs = performance.now() - t0;
  const inc: number[] = [];
  const tar: number[] = [];
  const timelines: [string, number][][] = [];
  const scans: number[] = [];
  let incWire = 0;
  const incCommands: string[] = [];
  let tarWire = 0;
  let lastTar = 'tar';
  for (let i = 0; i < REPS; i++) {
    for (const f of ['pkg3/mod7.py', 'pkg17/mod21.py', 'pkg33/mod45.py'])
      appendFileSync(join(dir, f), `# edit ${i}\n`);
    commands = 0;
    typedTo = 0;
    marks = [];
    t0 = performance.now();
    const r = await pushThroughSession(shell, {
      localRoot: dir,
      remoteRoot: `${remote}/sync`,
      timeoutMs: 600_000,
    });
    inc.push(performance.now() - t0);
    mark('done');
    timelines.push(marks);
    // the local scan alone, as the push just did it (caches warm, nothing changed since)
    const s0 = performance.now();
    await readLocalManifest(dir, { protectedPaths: ['/.hsm/'], excludes: [], withoutGit: true });
    scans.push(performance.now() - s0);
    incCommands.push(`${commands}/${commands + typedTo}`);
    if (r.items.length !== 3) throw new Error(`incremental push moved ${r.items.length} items, not 3`);
    incWire = r.wire_bytes;
    t0 = performance.now();
    tarWire = await tarball(dir, `${remote}/tar-${i}`);
    lastTar = `tar-${i}`;
    tar.push(performance.now() - t0);
  }
  // both copies equal the project
  const sums = `find . -path ./.hsm -prune -o -type f -exec sha256sum {} + | sort`;
  const here = execFileSync('sh', ['-c', sums], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  for (const d of ['sync', lastTar]) {
    const there = await transport.run(node, `cd ${remote}/${d} && ${sums}`, { timeoutMs: 120_000 });
    if (there.stdout !== here) throw new Error(`the ${d} copy differs from the project`);
  }
  console.error(`load after ${load()}`);
  const i = median(inc);
  const t = median(tar);
  console.log(
    `| what (${files} files, ${(bytes / 1e6).toFixed(1)} MB, ${KIND}) | median (ms) | typed (bytes) |`,
  );
  console.log('|---|---|---|');
  console.log(`| first push | ${firstMs.toFixed(0)} (one run) | ${first.wire_bytes} |`);
  console.log(`| incremental push, 3 files changed | ${i.toFixed(0)} | ${incWire} |`);
  console.log(`| full tarball through the same session | ${t.toFixed(0)} | ${tarWire} |`);
  console.log(`| incremental vs tarball | ${(t / i).toFixed(1)}x faster | |`);
  console.log(
    `commands/round trips per incremental push: ${incCommands.join(' ')}; each time: ${inc.map((x) => x.toFixed(0)).join(' ')} ms / ${tar.map((x) => x.toFixed(0)).join(' ')} ms`,
  );
  // PHASES=1: where each incremental push's time went
  if (process.env.PHASES === '1') {
    console.log(`local scan alone (warm caches): ${scans.map((x) => x.toFixed(1)).join(' ')} ms`);
    for (const tl of timelines) console.log(tl.map(([w, at]) => `${w} ${at.toFixed(1)}`).join(' | '));
  }
} finally {
  await transport.run(node, `rm -rf ${remote}`, { timeoutMs: 120_000 });
  await transport.close();
  execFileSync('rm', ['-rf', dir]);
}

// The whole project as tar.gz, typed through the session like session sync's chunks (base64
// lines, 128 KiB blocks acknowledged by the node), unpacked by the node's tar into a new directory
// each time: nothing is deleted until the end, since on ext4 without a journal (this machine's)
// creating files shortly after thousands were deleted is several times slower (the inode
// allocator steps past recently deleted inodes), which would slow each tarball after the first.
// Returns bytes typed.
async function tarball(src: string, dest: string): Promise<number> {
  const tgz = execFileSync('tar', ['-czf', '-', '--exclude=./.hsm', '-C', src, '.'], { maxBuffer: 1 << 30 });
  const b64 = tgz.toString('base64');
  let text = '';
  for (let i = 0; i < b64.length; i += 1000) text += '#' + b64.slice(i, i + 1000) + '\n';
  const block = 128 * 1024;
  const blocks: string[] = [];
  for (let i = 0; i < text.length; i += block) blocks.push(text.slice(i, i + block));
  const cmd =
    `mkdir -p ${dest} && old=$(stty -g </dev/tty) && stty -icanon -echo min 1 time 0 </dev/tty && ` +
    `{ left=${text.length}; while [ $left -gt 0 ]; do n=${block}; [ $left -lt $n ] && n=$left; head -c $n </dev/tty; ` +
    `left=$((left - n)); echo HSM-ACK >/dev/tty; done; } | tr -d '#' | base64 -d | tar -xzf - -C ${dest}; rc=$?; stty "$old" </dev/tty; exit $rc`;
  const r = await transport.run(node, cmd, {
    timeoutMs: 600_000,
    input: { blocks, ack: 'HSM-ACK', window: 4 },
  });
  if (r.exitCode !== 0) throw new Error(`tarball push failed: ${r.error ?? r.stdout.slice(-300)}`);
  return text.length;
}
