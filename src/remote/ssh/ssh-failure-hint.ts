// What to do about an ssh failure (ssh-failure.ts), for one host: the fix, in one sentence.
export function sshFailureHint(host: string, error: string): string {
  if (/HOST KEY MISMATCH/.test(error))
    return `The host key of ${host} changed. If that is expected (reinstalled host), remove the old key with \`ssh-keygen -R ${host}\` and verify the new fingerprint; otherwise do not connect.`;
  if (/host key unknown/.test(error))
    return `Add the host key after checking its fingerprint: \`ssh-keyscan ${host} >> ~/.ssh/known_hosts\` (hsm never accepts unknown keys silently).`;
  if (/authentication failed/.test(error))
    return `Check the source's user and identity_file (or your ssh agent): \`ssh ${host} true\` must log in without a password prompt.`;
  if (/unknown host name/.test(error))
    return `Check the host name (or its alias in ~/.ssh/config): \`ssh ${host} true\` must work from this machine.`;
  return `Check that \`ssh ${host} true\` works from this machine (host up, sshd running, network, port).`;
}
