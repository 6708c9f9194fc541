import type { Node } from 'yaml';
import { TERMINATION_REASONS, type TerminationReason } from '../domain/task.js';
import type { YamlContext } from '../sweep/yaml-context.js';
import { entries } from './yaml-fields.js';

// hsm_config.yaml `retry:`: how an attempt is tried again, by the reason it ended for (the
// engine's table, engine/retry-policy.ts, gives the defaults):
//
//   retry:
//     oom: {retries: 1, mem: 2}       # once more, with twice the memory (batch sources)
//     timeout: {time: 2}              # retried as `defaults.retries` says, with twice the time
//     preempted: requeue              # at once, up to 3 times, whatever `defaults.retries` says
//     failed: none                    # never
//
// `retries` is a number of extra attempts for that reason, or `default` (`defaults.retries`, when
// the cause may pass). `at_once: true` skips the backoff.

export interface RetryPolicyEntry {
  retries: number | 'default';
  atOnce?: boolean;
  mem?: number;
  time?: number;
}

const FIELDS = ['retries', 'mem', 'time', 'at_once'];

export function readRetryPolicy(
  ctx: YamlContext,
  node: unknown,
): Partial<Record<TerminationReason, RetryPolicyEntry>> {
  const out: Partial<Record<TerminationReason, RetryPolicyEntry>> = {};
  for (const [reason, pair] of entries(ctx, node, [...TERMINATION_REASONS])) {
    const body = ctx.resolve(pair.value);
    const value = ctx.toValue(body);
    const at = (body ?? pair.key) as Node;
    if (value === 'none') out[reason as TerminationReason] = { retries: 0 };
    else if (value === 'requeue') out[reason as TerminationReason] = { retries: 3, atOnce: true };
    else if (value === 'default') out[reason as TerminationReason] = { retries: 'default' };
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const f = entries(ctx, body, FIELDS);
      const v = (k: string) => (f.has(k) ? ctx.toValue(ctx.resolve(f.get(k)!.value)) : undefined);
      const entry: RetryPolicyEntry = { retries: 'default' };
      const retries = v('retries');
      if (retries !== undefined) {
        if (retries === 'default') entry.retries = 'default';
        else if (typeof retries === 'number' && Number.isInteger(retries) && retries >= 0)
          entry.retries = retries;
        else
          ctx.report(
            'error',
            at,
            `\`retry.${reason}.retries\` must be a whole number or \`default\`, got ${JSON.stringify(retries)}`,
          );
      }
      for (const k of ['mem', 'time'] as const) {
        const x = v(k);
        if (x === undefined) continue;
        if (typeof x === 'number' && x >= 1) entry[k] = x;
        else
          ctx.report(
            'error',
            at,
            `\`retry.${reason}.${k}\` must be a factor of at least 1 (2: twice), got ${JSON.stringify(x)}`,
          );
      }
      const atOnce = v('at_once');
      if (atOnce !== undefined) {
        if (typeof atOnce === 'boolean') entry.atOnce = atOnce;
        else ctx.report('error', at, `\`retry.${reason}.at_once\` must be true or false`);
      }
      out[reason as TerminationReason] = entry;
    } else
      ctx.report(
        'error',
        at,
        `\`retry.${reason}\` must be none, requeue, default or a mapping ({retries: 1, mem: 2}), got ${JSON.stringify(value)}`,
      );
  }
  return out;
}
