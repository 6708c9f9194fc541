import { basename } from 'node:path';
import { HsmError } from '../domain/errors.js';
import type { ProjectConfig, SourceConfig } from './project-config.js';

// One `type: ssh` source of hsm_config.yaml, typed: what the ssh compute source and project sync
// both read (one reading of the fields, so both connect to the same place the same way).

export interface SshSourceSpec {
  /** The source's name in hsm_config.yaml. */
  name: string;
  /** Host name or ~/.ssh/config alias. */
  host: string;
  user: string | null;
  port: number | null;
  identityFile: string | null;
  /** Extra `-o Key=Value` options, as written (validated when the ssh argv is built). */
  sshOptions: string[];
  /**
   * The project's directory on the host, as rsync and the remote shell read it: relative to the
   * login directory (`hsm/myproj`, from `~/hsm/myproj`) or absolute. Never starts with `~`.
   */
  workdir: string;
  /** The workdir as written in hsm_config.yaml (or the default), for messages. */
  workdirDisplay: string;
  /** rsync patterns left out of sync (besides .gitignore'd files and the sweep output directory). */
  syncExclude: string[];
  /** The rsync program on the host (`--rsync-path`), default `rsync`. */
  rsyncPath: string;
  max_parallel: number | null;
  /** The whole source entry, for fields read elsewhere (setup, env, ...). */
  raw: SourceConfig;
}

/** A slurm or pbs source that keeps the project and its sweep directories in a `workdir` on the
 * cluster, reached through its login node (`host:`): synced like an ssh source's. */
export function syncsOverSsh(source: SourceConfig): boolean {
  return (
    (source.type === 'slurm' || source.type === 'pbs') &&
    typeof source.host === 'string' &&
    source.host !== '' &&
    (typeof source.workdir === 'string' || typeof source.workdir === 'number')
  );
}

// The default workdir: `~/hsm/<project directory name>`.
export function defaultWorkdir(projectRoot: string): string {
  return `~/hsm/${basename(projectRoot)}`;
}

// The ssh source `name` of the project's configuration; a clear error when it is missing or is
// not an ssh source.
export function readSshSource(config: ProjectConfig, name: string): SshSourceSpec {
  const source = config.sources[name];
  const where = config.file ?? 'hsm_config.yaml';
  if (!source) {
    const ssh = Object.entries(config.sources)
      .filter(([, s]) => s.type === 'ssh')
      .map(([n]) => n);
    throw new HsmError('config', `No source named \`${name}\` in ${where}.`, {
      hint: ssh.length
        ? `ssh sources there: ${ssh.join(', ')}.`
        : `Add one under \`sources:\`, e.g. ${name}: {type: ssh, host: ${name}, workdir: ~/hsm/myproj}.`,
    });
  }
  if (source.type !== 'ssh' && !syncsOverSsh(source)) {
    const batch = source.type === 'slurm' || source.type === 'pbs';
    throw new HsmError(
      'config',
      batch
        ? `Source \`${name}\` (${source.type}) has no project copy to sync: it needs \`host:\` (its login node) and \`workdir:\`.`
        : `Source \`${name}\` is of type ${source.type}, not ssh.`,
      {
        hint: batch
          ? `Without them the project is on a filesystem this machine and the cluster share; with them, e.g. ${name}: {type: ${source.type}, host: login1, workdir: /scratch/me/myproj}, hsm keeps a copy on the cluster.`
          : 'Project sync works with `type: ssh` sources, and slurm/pbs sources with `host:` and `workdir:`.',
      },
    );
  }
  const str = (v: unknown): string | null =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  const host = str(source.host);
  if (!host) throw new HsmError('config', `Source \`${name}\` (ssh) has no \`host\` in ${where}.`);
  const written = str(source.workdir) ?? defaultWorkdir(config.projectRoot);
  const syncExclude = list(source.sync_exclude);
  const bad = syncExclude.find((p) => p.trim() === '' || /[\n\r\0]/.test(p));
  if (bad !== undefined)
    throw new HsmError(
      'config',
      `Source \`${name}\`: sync_exclude has an empty pattern or one with a line break.`,
      {
        hint: 'Write one rsync/gitignore pattern per list item, e.g. sync_exclude: [data/, "*.ckpt"].',
      },
    );
  return {
    name,
    host,
    user: str(source.user),
    port: typeof source.port === 'number' ? source.port : null,
    identityFile: str(source.identity_file),
    sshOptions: list(source.ssh_options),
    workdir: normalizeWorkdir(name, written),
    workdirDisplay: written,
    syncExclude,
    rsyncPath: str(source.rsync_path) ?? 'rsync',
    max_parallel: typeof source.max_parallel === 'number' ? source.max_parallel : null,
    raw: source,
  };
}

// `~/x` -> `x` (a remote shell and rsync both start in the login directory); `~` -> `.`.
export function normalizeWorkdir(name: string, workdir: string): string {
  const w = workdir.trim();
  if (w === '~' || w === '~/' || w === '') return '.';
  if (w.startsWith('~/')) return w.slice(2).replace(/^\/+/, '') || '.';
  if (w.startsWith('~')) {
    throw new HsmError('config', `Source \`${name}\`: workdir \`${workdir}\` names another user's home.`, {
      hint: 'Write the path in full (/home/alice/proj) or relative to the login directory (~/proj).',
    });
  }
  if (w.includes('\0') || w.includes('\n'))
    throw new HsmError('config', `Source \`${name}\`: workdir contains a newline or NUL byte.`);
  return w;
}
