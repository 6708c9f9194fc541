import { describe, expect, test } from 'vitest';
import { createHyperPodTransport, discoverHyperPodNodes } from '../../../src/remote/hyperpod/index.js';
import { fakeAwsEnv } from './hyperpod-test-helpers.js';

const T = { timeoutMs: 15_000 };

describe('HyperPod transport end to end through the aws stand-in', () => {
  test('one-shot commands use the non-interactive SSM document: output and real exit code', async () => {
    const { env, calls } = fakeAwsEnv();
    const { nodes } = await discoverHyperPodNodes('ml-cluster', { env, region: 'us-west-2' });
    const transport = createHyperPodTransport({ mode: 'one-shot', env, region: 'us-west-2' });
    try {
      const results = await Promise.all(
        nodes
          .slice(0, 2)
          .map((n) => transport.run(n, `echo "on $HSM_SSM_TARGET"; printf 'a,b "c"'; exit 3`, T)),
      );
      expect(results.map((r) => [r.exitCode, r.stdout])).toEqual(
        nodes.slice(0, 2).map((n) => [3, `on ${n.target}\na,b "c"`]),
      );
      const sessions = calls().filter((c) => c.startsWith('ssm start-session'));
      expect(sessions).toHaveLength(2);
      expect(sessions[0]).toContain('--document-name AWS-StartNonInteractiveCommand');
      expect(sessions[0]).toContain('--region us-west-2');
      expect(transport.fallbackReason).toBeNull();
    } finally {
      await transport.close();
    }
  });

  test('a node without the non-interactive document falls back to an interactive SSM shell', async () => {
    const { env, calls } = fakeAwsEnv({ HSM_FAKE_AWS_NO_NONINTERACTIVE: '1' });
    const { nodes } = await discoverHyperPodNodes('ml-cluster', { env });
    const transport = createHyperPodTransport({ mode: 'one-shot', env });
    try {
      const node = nodes[1]!;
      const r = await transport.run(node, 'echo "$HSM_SSM_TARGET"; exit 42', T);
      expect(r).toMatchObject({ exitCode: 42, stdout: `${node.target}\n`, error: null });
      expect(transport.fallbackReason).toContain('InvalidDocument');
      const again = await transport.run(node, 'echo again', T);
      expect(again).toMatchObject({ exitCode: 0, stdout: 'again\n' });
      const sessions = calls().filter((c) => c.startsWith('ssm start-session'));
      // One refused non-interactive try, then one interactive session reused by both commands.
      expect(sessions).toHaveLength(2);
      expect(sessions[1]).toBe(`ssm start-session --target ${node.target}`);
    } finally {
      await transport.close();
    }
  });

  test('interactive mode keeps one SSM shell per node', async () => {
    const { env, calls } = fakeAwsEnv();
    const { nodes } = await discoverHyperPodNodes('ml-cluster', { env, profile: 'p1' });
    const transport = createHyperPodTransport({ mode: 'interactive', env, profile: 'p1' });
    try {
      const first = await transport.run(nodes[0]!, 'echo $$', T);
      const second = await transport.run(nodes[0]!, 'echo $$', T);
      expect(second.stdout).toBe(first.stdout);
      const sessions = calls().filter((c) => c.startsWith('ssm start-session'));
      expect(sessions).toEqual([`ssm start-session --target ${nodes[0]!.target} --profile p1`]);
    } finally {
      await transport.close();
    }
  });

  test('a one-shot command that never ends times out with its partial output', async () => {
    const { env } = fakeAwsEnv();
    const { nodes } = await discoverHyperPodNodes('ml-cluster', { env });
    const transport = createHyperPodTransport({ mode: 'one-shot', env });
    const r = await transport.run(nodes[0]!, 'echo begun; sleep 1000', { timeoutMs: 1500 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, stdout: 'begun\n' });
    await transport.close();
  });
});
