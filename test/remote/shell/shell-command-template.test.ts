import { describe, expect, test } from 'vitest';
import {
  parseShellCommandTemplate,
  renderShellCommandArgv,
} from '../../../src/remote/shell/shell-command-template.js';

describe('shell command template', () => {
  test('splits into argv words and replaces placeholders inside words, never adding words', () => {
    const t = parseShellCommandTemplate('aws ssm start-session --target {target}');
    expect(t.hasPlaceholder).toBe(true);
    const node = { name: 'i-0abc', target: 'sagemaker-cluster:abc_workers-i-0abc' };
    expect(renderShellCommandArgv(t, node)).toEqual([
      'aws',
      'ssm',
      'start-session',
      '--target',
      'sagemaker-cluster:abc_workers-i-0abc',
    ]);
    const hostile = { name: 'n1; rm -rf / $(x)', target: 't' };
    expect(renderShellCommandArgv(parseShellCommandTemplate('ssh -tt user@{node}'), hostile)).toEqual([
      'ssh',
      '-tt',
      'user@n1; rm -rf / $(x)',
    ]);
  });

  test('quotes group words and nothing is expanded', () => {
    const t = parseShellCommandTemplate(
      `kubectl exec -it {node} -- sh -c 'exec bash -l' "a \\"b\\"" $HOME c\\ d`,
    );
    expect(renderShellCommandArgv(t, { name: 'pod-1', target: 'pod-1' })).toEqual([
      'kubectl',
      'exec',
      '-it',
      'pod-1',
      '--',
      'sh',
      '-c',
      'exec bash -l',
      'a "b"',
      '$HOME',
      'c d',
    ]);
    expect(parseShellCommandTemplate('bash --norc -i').hasPlaceholder).toBe(false);
  });

  test('an unclosed quote or an empty template is a usage error that points at the problem', () => {
    expect(() => parseShellCommandTemplate('ssh "{node}')).toThrow(/unclosed " quote/);
    expect(() => parseShellCommandTemplate('')).toThrow(/empty/);
  });
});
