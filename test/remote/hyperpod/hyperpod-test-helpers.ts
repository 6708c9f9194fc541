import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../helpers/temp-dir.js';

export const FAKE_AWS_DIR = join(import.meta.dirname, '../../fixtures/aws');

// An environment with the `aws` stand-in first on PATH, logging every invocation to a file.
export function fakeAwsEnv(extra: Record<string, string> = {}): {
  env: NodeJS.ProcessEnv;
  calls: () => string[];
} {
  const log = join(makeTempDir('hsm-aws-'), 'calls.log');
  const env = {
    ...process.env,
    PATH: `${FAKE_AWS_DIR}:${process.env.PATH}`,
    HSM_FAKE_AWS_LOG: log,
    ...extra,
  };
  const calls = () => {
    try {
      return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  return { env, calls };
}
