import { readSsmSource } from '../config/ssm-source.js';
import { defaultShellCommand } from '../compute/ssm/session-nodes.js';
import { quoteShellWord as q } from '../domain/shell-quote.js';
import { createShellTransport } from '../remote/shell/index.js';
import type { ProjectContext } from './project.js';
import { openSweep } from './sweep-open.js';

// `hsm logs -f` of a task running on a session (`type: ssm`) node: its log is read where it grows,
// through a session to that node (`tail -c +N`, base64), until the task ends; the rest is then read
// from the task's directory here, once collected. Returns the bytes printed (null: not such a task).

export async function followSessionTaskLog(
  project: ProjectContext,
  idOrPrefix: string,
  task: string,
  stream: 'stdout' | 'stderr',
  write: (chunk: Buffer) => void,
  isFinal: () => boolean,
): Promise<number | null> {
  const sweep = openSweep(project, idOrPrefix, { readonly: true });
  const row = sweep.store.task(task);
  const id = sweep.id;
  sweep.store.close();
  const config = row?.source ? project.config.sources[row.source] : undefined;
  if (!row || !row.host || config?.type !== 'ssm' || row.status !== 'running') return null;
  const spec = readSsmSource(project.config, row.source!);
  const transport = createShellTransport({
    shellCommand: spec.shellCommand ?? defaultShellCommand(spec),
    sessionRateLimit: spec.sessionRate,
    connectTimeoutMs: 60_000,
  });
  const path = `${spec.workdir}/.hsm/sweeps/${id}/tasks/${task}/${stream}.log`;
  let offset = 0;
  try {
    for (;;) {
      const final = isFinal();
      const r = await transport.run(
        { name: row.host, target: row.host },
        `sh -c ${q(`cd 2>/dev/null; printf 'HSMLOG %s\\n' "$(tail -c +${offset + 1} ${q(path)} 2>/dev/null | head -c 1048576 | base64 | tr -d '\\n')"`)}`,
        { timeoutMs: 60_000 },
      );
      const m = /^HSMLOG ?(\S*)$/m.exec(r.stdout);
      if (r.error || !m) return offset;
      const chunk = Buffer.from(m[1] ?? '', 'base64');
      if (chunk.length > 0) write(chunk);
      offset += chunk.length;
      if (final && chunk.length < 1048576) return offset;
      if (chunk.length === 0) await new Promise((res) => setTimeout(res, 500));
    }
  } finally {
    await transport.close();
  }
}
