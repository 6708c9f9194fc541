import type { SshSourceSpec } from '../../config/ssh-source.js';
import type { SshClientOptions } from './ssh-argv.js';

// How to reach an ssh source: the destination and the client options built from its fields
// (user, port, identity_file, ssh_options) on top of the caller's (a -F file, a ControlPath,
// timeouts). The source's fields become `-o` options, which OpenSSH prefers over ~/.ssh/config,
// so what hsm_config.yaml says wins; its own ssh_options come first and win over everything.

export interface SshEndpoint {
  destination: string;
  client: SshClientOptions;
}

export function sshEndpointOf(
  source: Pick<SshSourceSpec, 'host' | 'user' | 'port' | 'identityFile' | 'sshOptions'>,
  base: SshClientOptions = {},
): SshEndpoint {
  const options = [...(base.options ?? []), ...source.sshOptions];
  if (source.user !== null) options.push(`User=${source.user}`);
  if (source.port !== null) options.push(`Port=${source.port}`);
  if (source.identityFile !== null) options.push(`IdentityFile=${source.identityFile}`);
  return { destination: source.host, client: { ...base, options } };
}
