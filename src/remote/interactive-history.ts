import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

// The history of `hsm exec` interactive mode, kept across runs in ~/.hsm/exec_history (HSM_HOME
// overrides ~/.hsm), one command a line, oldest first, bounded to the last `limit` commands.

export const DEFAULT_HISTORY_LIMIT = 1000;

// Where the history lives.
export function resolveHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HSM_HOME || join(homedir(), '.hsm'), 'exec_history');
}

// Reads the history, newest first (the order node:readline's `history` option wants).
export function loadHistory(path: string, limit = DEFAULT_HISTORY_LIMIT): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).slice(-limit).reverse();
}

// Appends one command; when the file holds twice the limit it is cut back to the newest `limit`
// (appending keeps two concurrent sessions from overwriting each other's lines).
export function appendHistory(path: string, command: string, limit = DEFAULT_HISTORY_LIMIT): void {
  if (!command.trim() || command.includes('\n')) return;
  try {
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, command + '\n');
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    if (lines.length > 2 * limit) writeFileSync(path, lines.slice(-limit).join('\n') + '\n');
  } catch {
    // History is a convenience: an unwritable home must not stop the session.
  }
}
