// Why a shell session to a node failed, read from what the session command (aws ssm start-session,
// ssh -tt, kubectl exec) printed: whether trying again soon may help (throttling, a slow
// hand-shake) and what the user should do. Pure; the patterns are those of the AWS CLI's and
// session-manager-plugin's messages and of OpenSSH.

export interface SessionFailure {
  transient: boolean;
  hint: string;
  /** False when nothing in the message was recognised (the hint is then a generic check). */
  known?: boolean;
}

export function classifySessionFailure(error: string, node: string): SessionFailure {
  if (/Throttling|Rate exceeded|TooManyRequests|RequestLimitExceeded/i.test(error))
    return {
      transient: true,
      hint: `AWS throttled the session start for ${node}; hsm retries with backoff. Lower \`session_rate\` of the source if it keeps happening.`,
    };
  if (/AccessDenied|not authorized|UnauthorizedOperation/i.test(error))
    return {
      transient: false,
      hint: `The IAM identity hsm runs as may not start sessions on ${node}: it needs ssm:StartSession on the target (and ssm:TerminateSession, ssm:ResumeSession), plus sagemaker:DescribeCluster and sagemaker:ListClusterNodes for a HyperPod source.`,
    };
  if (
    /ExpiredToken|token[^\n]*expired|Unable to locate credentials|InvalidClientTokenId|SSO session/i.test(
      error,
    )
  )
    return {
      transient: false,
      hint: 'The AWS credentials are missing or expired: refresh them (e.g. `aws sso login`) and run again.',
    };
  if (/TargetNotConnected|is not connected|not online|ConnectionLost/i.test(error))
    return {
      transient: false,
      hint: `The SSM agent on ${node} is offline or not registered: check \`aws ssm describe-instance-information --filters Key=InstanceIds,Values=${node}\`, that the instance runs, its agent service is up and it can reach the SSM endpoints.`,
    };
  if (/InvalidInstanceId|stopped|terminated|not in a valid state|InvalidTarget/i.test(error))
    return {
      transient: false,
      hint: `${node} is stopped, terminated or not a managed instance: start it (\`aws ec2 start-instances --instance-ids ${node}\`) or remove it from \`nodes:\`.`,
    };
  if (/no shell answered within|timed out|Connection reset|Connection closed/i.test(error))
    return {
      transient: true,
      hint: `The session to ${node} did not answer in time; hsm tries again with backoff. Check the node is up and not overloaded.`,
    };
  if (/asks for a password/i.test(error))
    return {
      transient: false,
      hint: `The shell command asks ${node} for a password: set up key or role based access.`,
    };
  return {
    transient: false,
    known: false,
    hint: `Check that the source's shell command opens a shell on ${node}: \`hsm exec -w ${node} --shell-command '<template>' --test-node ${node}\`.`,
  };
}
