import { randomBytes } from 'node:crypto';
import { HsmError } from '../../domain/errors.js';
import { runCommand } from '../../process/run-command.js';
import { lineOf, type HelperOutput } from './data-lines.js';
import { sha256File } from './local-manifest.js';
import { runHelper, type SessionShell } from './session-shell.js';
import type { S3StagingOptions } from './types.js';
import { plural } from '../../domain/plural.js';

// Large transfers through S3 instead of the session (`s3_staging: s3://bucket/prefix`): each chunk
// of the transfer stream is copied to S3 by the AWS CLI of the sending end and from S3 by the
// receiving end's (`aws s3 cp`, one command typed into the session for all of a node's); the
// receiver keeps a chunk only when its sha256 matches, as for typed chunks. Pushes: this machine
// uploads, the node downloads (`s3get`); pulls: the node uploads chunks of its pack (`s3put`),
// this machine downloads. Every transfer stages under a prefix of its own
// (`<prefix>/hsm-staging/<random>/`), removed when it ends, whether it worked or not.

/** Pushes with less data than this go through the session (an aws start costs ~1 s). */
export const DEFAULT_STAGING_MIN_BYTES = 4 * 1024 * 1024;
/** Chunks through S3 are larger: no terminal to pace, fewer aws starts. */
export const STAGING_CHUNK_BYTES = 32 * 1024 * 1024;

const WORD = /^[A-Za-z0-9._-]+$/;

export class S3Stage {
  readonly base: string;
  /** Something may be staged (removed by cleanup). */
  private used = false;
  private readonly flags: string[];

  constructor(
    private readonly options: S3StagingOptions,
    private readonly node: string,
  ) {
    this.base = `${options.url.replace(/\/+$/, '')}/hsm-staging/${randomBytes(8).toString('hex')}`;
    const region = options.region ?? null;
    const profile = options.profile ?? null;
    for (const v of [region, profile])
      if (v !== null && !WORD.test(v))
        throw new HsmError('usage', `Not an AWS region or profile name: ${JSON.stringify(v)}.`);
    this.flags = [...(region ? ['--region', region] : []), ...(profile ? ['--profile', profile] : [])];
  }

  /** Copies one chunk to S3 from this machine. */
  async upload(raw: Buffer, sha: string): Promise<void> {
    const r = await this.aws(
      ['s3', 'cp', '--only-show-errors', ...this.flags, '-', `${this.base}/${sha}`],
      raw,
    );
    if (r.error !== null) throw awsMissingHere(r.error);
    if (r.exitCode !== 0)
      throw new HsmError(
        'infra',
        `Could not copy data for ${this.node} to ${this.options.url} from this machine: ${firstLine(r.stderr)}.`,
        {
          hint: `Check this machine's AWS credentials (\`aws sts get-caller-identity\`) and that they may write to the bucket (s3:PutObject on ${this.options.url}/*).`,
        },
      );
    this.used = true;
  }

  /** Copies one chunk a node staged to `file` here, and checks its sha256. */
  async download(sha: string, file: string): Promise<void> {
    const r = await this.aws(['s3', 'cp', '--only-show-errors', ...this.flags, `${this.base}/${sha}`, file]);
    if (r.error !== null) throw awsMissingHere(r.error);
    if (r.exitCode !== 0)
      throw new HsmError(
        'infra',
        `Could not copy data of ${this.node} from ${this.options.url} to this machine: ${firstLine(r.stderr)}.`,
        {
          hint: `Check this machine's AWS credentials (\`aws sts get-caller-identity\`) and that they may read the bucket (s3:GetObject on ${this.options.url}/*).`,
        },
      );
    const got = await sha256File(file).catch(() => '');
    if (got !== sha)
      throw new HsmError(
        'infra',
        `A chunk of file data did not arrive intact from ${this.node} through ${this.options.url}.`,
        { hint: 'Pull again: chunks that arrived intact are kept and not copied again.' },
      );
  }

  /**
   * The node copies chunks of its pull pack (`~/.hsm/pull/ID.tar`, chunks of `chunkBytes`) to S3
   * (`HSM-OK sha` for each).
   */
  async uploadOnNode(
    shell: SessionShell,
    pack: { id: string; chunkBytes: number },
    chunks: readonly { index: number; sha: string }[],
    call: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<void> {
    if (chunks.length === 0) return;
    this.used = true;
    const { out } = await runHelper(
      shell,
      [
        's3put',
        pack.id,
        String(pack.chunkBytes),
        this.base,
        this.options.region ?? '-',
        this.options.profile ?? '-',
        ...chunks.flatMap((c) => [String(c.index), c.sha]),
      ],
      { ...call, what: 'copying results to S3' },
    );
    this.checkNodeAws(shell, out, 'bring results back');
    const failed = lineOf(out, 'STAGEFAIL');
    if (failed !== undefined)
      throw new HsmError('infra', `${shell.node} could not copy results to ${this.options.url}: ${failed}.`, {
        hint: `Give the node's role (its instance profile) s3:PutObject on ${this.options.url}/*, or remove \`s3_staging:\` to bring results back through the session.`,
      });
    const fail = lineOf(out, 'FAIL');
    const ok = new Set(out.lines.filter((l) => l.key === 'OK').map((l) => l.rest));
    if (fail !== undefined || chunks.some((c) => !ok.has(c.sha)))
      throw new HsmError(
        'infra',
        `${shell.node} did not copy all results to ${this.options.url}${fail ? `: ${fail}` : ''}.`,
        { hint: 'Pull again: chunks that arrived intact are kept and not copied again.' },
      );
  }

  // `HSM-MISSING aws`: the node has no AWS CLI where the helper looks.
  private checkNodeAws(shell: SessionShell, out: HelperOutput, what: string): void {
    if (out.lines.some((l) => l.key === 'MISSING' && l.rest === 'aws'))
      throw new HsmError(
        'infra',
        `${shell.node} has no AWS CLI (\`aws\` is not on the PATH of its shell, nor in ~/.local/bin), needed for s3_staging.`,
        {
          hint: `Install the AWS CLI on the node (e.g. \`python3 -m pip install --user awscli\`), or remove \`s3_staging:\` to ${what} through the session.`,
        },
      );
  }

  /** The node copies the chunks from S3 into its chunk store (`HSM-OK sha` for each one kept). */
  async fetchOnNode(
    shell: SessionShell,
    root: string,
    shas: readonly string[],
    call: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<void> {
    if (shas.length === 0) return;
    const { out } = await runHelper(
      shell,
      ['s3get', root, this.base, this.options.region ?? '-', this.options.profile ?? '-', ...shas],
      { ...call, what: 'copying file data from S3' },
    );
    this.checkNodeAws(shell, out, 'send everything');
    const failed = lineOf(out, 'STAGEFAIL');
    if (failed !== undefined)
      throw new HsmError(
        'infra',
        `${shell.node} could not copy the staged data from ${this.options.url}: ${failed}.`,
        {
          hint: `Give the node's role (its instance profile) s3:GetObject on ${this.options.url}/*, or remove \`s3_staging:\` to send everything through the session.`,
        },
      );
    const fail = lineOf(out, 'FAIL');
    if (fail !== undefined)
      throw new HsmError('infra', `${shell.node} could not keep the data copied from S3: ${fail}.`, {
        hint: 'Check the disk space and permissions under the directory on the node.',
      });
    const ok = new Set(out.lines.filter((l) => l.key === 'OK').map((l) => l.rest));
    const missing = shas.filter((s) => !ok.has(s));
    if (missing.length > 0)
      throw new HsmError(
        'infra',
        `${plural(missing.length, 'chunk')} of file data did not arrive intact on ${shell.node} through ${this.options.url}.`,
        {
          hint: 'Push again: chunks that arrived intact are kept on the node and not sent again.',
        },
      );
  }

  /** Removes what this push staged; returns why it could not, or null. */
  async cleanup(): Promise<string | null> {
    if (!this.used) return null;
    const r = await this.aws([
      's3',
      'rm',
      '--recursive',
      '--only-show-errors',
      ...this.flags,
      `${this.base}/`,
    ]);
    return r.exitCode === 0
      ? null
      : `could not remove ${this.base}/: ${firstLine(r.stderr || (r.error ?? ''))}`;
  }

  private aws(args: string[], input?: Buffer) {
    return runCommand([this.options.awsCommand ?? 'aws', ...args], {
      ...(input ? { input } : {}),
      timeoutMs: 600_000,
    });
  }
}

function awsMissingHere(error: string): HsmError {
  return new HsmError(
    'infra',
    `s3_staging needs the AWS CLI (\`aws\`) on this machine, and it could not be started: ${error}.`,
    {
      hint: 'Install the AWS CLI here (and on the nodes), or remove `s3_staging:` to send everything through the session.',
    },
  );
}

function firstLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .find((l) => l.trim() !== '') ?? 'no message'
  ).slice(0, 300);
}
