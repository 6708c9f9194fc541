import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

// logs/errors/: failed_tasks.yaml gets one entry per failed attempt as it ends (appended: a history,
// the latest attempt of a task is the one that counts); error_patterns.yaml holds the failures grouped
// by cause, rewritten as they happen. Every entry is one line of JSON, which is also YAML, so the files
// are cheap to write at any size and read by any YAML or JSON-lines tool.

export interface FailedAttemptEntry {
  task: string;
  attempt: number;
  at: string;
  status: string;
  category: string;
  termination_reason: string | null;
  exit_code: number | null;
  signal: string | null;
  host: string | null;
  source: string | null;
  evidence: string;
  fingerprint: string;
  retrying: boolean;
  params: unknown;
}

export function appendFailedAttempt(path: string, sweepId: string, entry: FailedAttemptEntry): void {
  try {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      appendFileSync(
        path,
        `# hsm: failed attempts of sweep ${sweepId}, one per line as they end (\`hsm errors ${sweepId}\` groups them)\n`,
      );
    }
    appendFileSync(path, `- ${JSON.stringify(entry)}\n`);
  } catch {
    /* a convenience copy: the store holds the cause too; never fail a run because of it */
  }
}

/** The document `hsm errors --json` prints, written as YAML with one line per group field. */
export function writeErrorPatterns(
  path: string,
  sweepId: string,
  doc: { groups: readonly object[] } & object,
): void {
  const lines = [
    `# hsm: failures of sweep ${sweepId} grouped by cause (rewritten as failures happen; \`hsm errors ${sweepId}\` prints the same)`,
  ];
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'groups') continue;
    lines.push(`${key}: ${JSON.stringify(value)}`);
  }
  lines.push(doc.groups.length === 0 ? 'groups: []' : 'groups:');
  for (const group of doc.groups) {
    let first = true;
    for (const [key, value] of Object.entries(group)) {
      lines.push(`${first ? '  - ' : '    '}${key}: ${JSON.stringify(value)}`);
      first = false;
    }
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, lines.join('\n') + '\n');
  } catch {
    /* as above */
  }
}
