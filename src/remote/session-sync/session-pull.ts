import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HsmError } from '../../domain/errors.js';
import { lineOf } from './data-lines.js';
import { walkLocal } from './local-manifest.js';
import { planPull } from './pull-plan.js';
import { pathArg } from './remote-helper.js';
import { nodePath, readNodeSide } from './remote-state.js';
import { runHelper, type SessionShell } from './session-shell.js';
import { DEFAULT_CHUNK_BYTES } from './session-push.js';
import { DEFAULT_STAGING_MIN_BYTES, S3Stage, STAGING_CHUNK_BYTES } from './s3-staging.js';
import { callOptionsOf, hashOnNode, itemsOf, progressOf, resultOf } from './transfer-report.js';
import type { SessionPullOptions, SessionSyncResult } from './types.js';

// pull: a directory of the node (a task's results) copied here through one session. The node
// lists it; same-size files are compared by the node's sha256; what differs is packed by the
// node's tar into ~/.hsm/pull/<id>.tar and read back a chunk at a time (gzip, base64), each chunk
// checked against the sha256 the node announced and kept in a local staging directory named by
// the pull, so an interrupted pull, run again, reads only the chunks it lacks. With s3Staging, a
// pull of 4 MiB or more has the node copy those chunks to S3 (`aws s3 cp`, one command for all)
// and this machine copy them from there instead (s3-staging.ts). The local tar extracts the stream.

export async function pullThroughSession(
  shell: SessionShell,
  options: SessionPullOptions,
): Promise<SessionSyncResult> {
  const started = Date.now();
  const call = callOptionsOf(options);
  const dir = nodePath(options.remoteDir);
  const [side, local] = await Promise.all([readNodeSide(shell, dir, [], call), walkLocal(options.localDir)]);
  if (!side.exists) {
    throw new HsmError('not_found', `${options.remoteDir} does not exist on ${shell.node}.`, {
      hint: 'Check the path (relative paths start at the home directory on the node).',
    });
  }
  const del = options.delete === true;
  let plan = planPull(side.state.entries, local, { delete: del });
  if (plan.needHash.length > 0)
    plan = planPull(side.state.entries, local, {
      delete: del,
      hashed: await hashOnNode(shell, dir, plan.needHash, call),
    });
  const fetched = plan.fetch.filter((e) => e.type !== 'dir');
  const bytes = fetched.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
  const items = itemsOf({ ...plan, send: plan.fetch });
  const result = resultOf('pull', options, items, bytes, plan.unchanged);
  const report = progressOf('pull', options);
  const progress = (phase: 'send' | 'apply' | 'done', done: number) =>
    report(phase, [phase === 'send' ? 0 : fetched.length, fetched.length], [done, bytes]);
  if (options.dryRun || items.length === 0) return { ...result, duration_ms: Date.now() - started };
  await mkdir(options.localDir, { recursive: true });
  for (const p of plan.remove) await rm(join(options.localDir, p), { recursive: true, force: true });
  for (const c of plan.chmod) await chmod(join(options.localDir, c.path), c.mode);
  if (plan.fetch.length > 0) {
    const staging =
      options.s3Staging && bytes >= (options.s3Staging.minBytes ?? DEFAULT_STAGING_MIN_BYTES)
        ? new S3Stage(options.s3Staging, shell.node)
        : null;
    const chunkBytes = options.chunkBytes ?? (staging ? STAGING_CHUNK_BYTES : DEFAULT_CHUNK_BYTES);
    const id = createHash('sha256')
      .update([dir, ...plan.fetch.map((e) => `${e.path}\0${e.size}\0${e.mtimeText}`)].join('\0'))
      .digest('hex')
      .slice(0, 24);
    const { out } = await runHelper(
      shell,
      ['pack', dir, id, String(chunkBytes), ...plan.fetch.map((e) => pathArg(e.path))],
      {
        ...call,
        what: 'packing the files',
      },
    );
    const pack = lineOf(out, 'PACK');
    if (pack === undefined) {
      throw new HsmError(
        'infra',
        `${shell.node} could not pack ${options.remoteDir}: ${lineOf(out, 'FAIL') ?? 'no answer'}.`,
        {
          hint: 'Check the disk space in the home directory on the node (~/.hsm/pull).',
        },
      );
    }
    const shas = out.lines.filter((l) => l.key === 'C').map((l) => l.rest);
    const chunkDir = join(tmpdir(), `hsm-pull-${id}`);
    await mkdir(chunkDir, { recursive: true });
    const files = shas.map((sha) => join(chunkDir, sha));
    const lacking: { index: number; sha: string }[] = [];
    for (let i = 0; i < shas.length; i++) {
      if (await hasChunk(files[i]!, shas[i]!)) result.chunks_reused++;
      else lacking.push({ index: i, sha: shas[i]! });
    }
    const arrived = async (c: { index: number; sha: string }, data?: Buffer) => {
      const file = files[c.index]!;
      if (data) await writeFile(file + '.part', data);
      await rename(file + '.part', file);
      result.chunks_sent++;
      progress('send', Math.min(bytes, (c.index + 1) * chunkBytes));
    };
    if (staging) {
      try {
        await staging.uploadOnNode(shell, { id, chunkBytes }, lacking, call);
        for (const c of lacking) {
          await staging.download(c.sha, files[c.index]! + '.part');
          await arrived(c);
        }
      } finally {
        const left = await staging.cleanup();
        if (left) options.onWarning?.(`${shell.node}: the pull's staged objects stay in S3: ${left}.`);
      }
      result.chunks_staged = lacking.length;
    } else {
      for (const c of lacking) {
        const { data, wire } = await fetchChunk(
          shell,
          { id, index: c.index, sha: c.sha, chunkBytes },
          options.remoteDir,
          call,
        );
        result.wire_bytes += wire;
        await arrived(c, data);
      }
    }
    progress('apply', bytes);
    await extractTar(options.localDir, files);
    await rm(chunkDir, { recursive: true, force: true });
    await runHelper(shell, ['drop', id], { ...call, what: 'cleaning up' });
  }
  progress('done', bytes);
  return { ...result, duration_ms: Date.now() - started };
}

/** Reads of one chunk when its session fails or its data arrives damaged. */
const SESSION_RETRIES = 3;

// One chunk of the node's pack, checked against the sha256 the node announced. A session that
// dies is replaced (the transport opens a new one) and a chunk that arrives damaged (a terminal
// line lost) is read again; the pack stays on the node until the pull is done.
async function fetchChunk(
  shell: SessionShell,
  chunk: { id: string; index: number; sha: string; chunkBytes: number },
  remoteDir: string,
  call: { timeoutMs: number; signal?: AbortSignal },
): Promise<{ data: Buffer; wire: number }> {
  let wire = 0;
  for (let attempt = 1; ; attempt++) {
    let damaged: HsmError;
    try {
      const { result, out } = await runHelper(
        shell,
        ['send', chunk.id, String(chunk.index), String(chunk.chunkBytes)],
        { ...call, what: 'reading file data' },
      );
      wire += result.stdout.length;
      const data = out.sections.get('data');
      if (data && createHash('sha256').update(data).digest('hex') === chunk.sha) return { data, wire };
      const fail = lineOf(out, 'FAIL');
      damaged = new HsmError(
        'infra',
        `A chunk of ${remoteDir} did not arrive intact from ${shell.node}${fail ? `: ${fail}` : ''}.`,
        { hint: 'Pull again: chunks that arrived intact are kept and not read again.' },
      );
      // the node's own refusal (the pack is gone) is not a transfer fault: no second read
      if (fail) attempt = SESSION_RETRIES;
    } catch (err) {
      if (!(err instanceof HsmError) || err.code !== 'infra') throw err;
      damaged = err;
    }
    if (attempt >= SESSION_RETRIES) throw damaged;
  }
}

async function hasChunk(file: string, sha: string): Promise<boolean> {
  try {
    return (
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex') === sha
    );
  } catch {
    return false;
  }
}

// The local tar extracts the concatenated chunks (GNU tar or bsdtar; both refuse `..` members).
function extractTar(dir: string, files: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-xpf', '-', '--no-same-owner', '-C', dir], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) =>
      reject(
        new HsmError('infra', `tar is needed on this machine to unpack pulled files: ${err.message}.`, {
          hint: 'Install tar.',
        }),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new HsmError('infra', `tar could not unpack the pulled files into ${dir} (exit ${code}).`, {
            evidence: stderr.trim().slice(-500),
          }),
        );
    });
    child.stdin.on('error', () => undefined);
    void (async () => {
      for (const f of files) {
        const data = await readFile(f);
        if (!child.stdin.write(data)) await new Promise((r) => child.stdin.once('drain', r));
      }
      child.stdin.end();
    })();
  });
}
