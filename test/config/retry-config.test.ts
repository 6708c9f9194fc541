import { describe, expect, it } from 'vitest';
import { parseProjectConfigText } from '../../src/config/parse-project-config.js';

// hsm_config.yaml `retry:` (the retry policy per termination reason).
const parse = (text: string) =>
  parseProjectConfigText({
    text,
    file: '/p/hsm_config.yaml',
    displayFile: 'hsm_config.yaml',
    defaultRoot: '/p',
    homeDir: '/h',
  });

describe('retry: in hsm_config.yaml', () => {
  it('reads the short forms and mappings', () => {
    const { config, ctx } = parse(
      'retry:\n  oom: {retries: 2, mem: 1.5}\n  timeout: {time: 2}\n  preempted: requeue\n  failed: none\n  lost: default\n',
    );
    expect(ctx.diagnostics).toEqual([]);
    expect(config.retry).toEqual({
      oom: { retries: 2, mem: 1.5 },
      timeout: { retries: 'default', time: 2 },
      preempted: { retries: 3, atOnce: true },
      failed: { retries: 0 },
      lost: { retries: 'default' },
    });
  });

  it('refuses an unknown reason and bad values at their place', () => {
    const { ctx } = parse('retry:\n  oomm: none\n  oom: {mem: 0.5}\n  failed: sometimes\n');
    const errors = ctx.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.message}`);
    expect(errors[0]).toMatch(/^2:.*oomm/);
    expect(errors).toContainEqual(expect.stringMatching(/^3:`retry.oom.mem` must be a factor of at least 1/));
    expect(errors).toContainEqual(
      expect.stringMatching(/^4:`retry.failed` must be none, requeue, default or a mapping/),
    );
  });
});
