import { HsmError } from '../../domain/errors.js';
import { runCommand } from '../../process/run-command.js';

// Runs the AWS CLI and reads its JSON, turning its failures into errors that say what to do, with
// the aws stderr as evidence. The CLI is used (not an SDK) so every credential source the user
// already has (profiles, SSO, instance roles) works unchanged.

export interface AwsCliOptions {
  region?: string;
  profile?: string;
  /** The aws program (default `aws` on PATH). */
  awsCommand?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

// The options every aws call shares: region, profile, JSON output.
export function buildAwsGlobalArgs(options: AwsCliOptions): string[] {
  const args = ['--output', 'json'];
  if (options.region) args.push('--region', options.region);
  if (options.profile) args.push('--profile', options.profile);
  return args;
}

// The environment of every aws call: no pager (CLI v2 pipes output to `less` otherwise).
export function buildAwsEnv(options: AwsCliOptions): NodeJS.ProcessEnv {
  return { ...(options.env ?? process.env), AWS_PAGER: '' };
}

// Runs `aws <args>` and parses its JSON stdout; `what` names the call for error messages.
export async function runAwsJson(
  args: readonly string[],
  what: string,
  options: AwsCliOptions,
): Promise<unknown> {
  const aws = options.awsCommand ?? 'aws';
  const argv = [aws, ...args, ...buildAwsGlobalArgs(options)];
  const result = await runCommand(argv, {
    env: buildAwsEnv(options),
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  if (result.error) {
    const missing = /ENOENT/.test(result.error);
    throw new HsmError(
      'infra',
      missing ? `The AWS CLI (\`${aws}\`) was not found.` : `Could not run \`${aws}\`: ${result.error}`,
      {
        evidence: result.error,
        hint: missing
          ? 'Install the AWS CLI v2 (and the Session Manager plugin for `ssm start-session`), or point to it.'
          : undefined,
      },
    );
  }
  if (result.exitCode !== 0) throw classifyAwsFailure(what, result.stderr, options, result.exitCode);
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new HsmError('infra', `${what}: the AWS CLI did not print JSON.`, {
      evidence: result.stdout.slice(0, 500),
      hint: 'Check the aws CLI version (`aws --version`, v2 expected) and its configuration.',
    });
  }
}

// One aws failure (exit code + stderr) to an HsmError naming the likely cause and the next step.
export function classifyAwsFailure(
  what: string,
  stderr: string,
  options: AwsCliOptions,
  exitCode: number | null,
): HsmError {
  const evidence = stderr.trim().split('\n').slice(-5).join('\n') || `aws exited with code ${exitCode}`;
  const profile = options.profile ? ` --profile ${options.profile}` : '';
  const where = [
    options.region && `region ${options.region}`,
    options.profile && `profile ${options.profile}`,
  ]
    .filter(Boolean)
    .join(', ');
  if (/ResourceNotFound|not found|does not exist/i.test(stderr)) {
    return new HsmError('not_found', `${what}: not found${where ? ` (${where})` : ''}.`, {
      evidence,
      hint: `Check the name and the region; \`aws sagemaker list-clusters${profile}\` lists the clusters you can see.`,
    });
  }
  if (
    /ExpiredToken|token[^\n]*expired|Unable to locate credentials|InvalidClientTokenId|UnrecognizedClient|SSO session|sso login|credentials/i.test(
      stderr,
    )
  ) {
    return new HsmError('infra', `${what}: the AWS credentials are missing or expired.`, {
      evidence,
      hint: `Refresh them (e.g. \`aws sso login${profile}\`) and try again.`,
    });
  }
  if (/AccessDenied|not authorized/i.test(stderr)) {
    return new HsmError('infra', `${what}: access denied.`, {
      evidence,
      hint: 'The IAM identity needs sagemaker:DescribeCluster, sagemaker:ListClusterNodes and ssm:StartSession.',
    });
  }
  return new HsmError('infra', `${what}: the AWS CLI failed (exit code ${exitCode}).`, { evidence });
}
