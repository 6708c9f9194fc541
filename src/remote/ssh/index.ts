// The `ssh` transport and its argv builder (shared with the ssh compute source and rsync -e).
export { SshTransport, type SshTransportOptions } from './ssh-transport.js';
export {
  buildSshArgv,
  buildSshOptionArgs,
  buildSshControlExitArgv,
  checkSshOption,
  defaultControlDir,
  DEFAULT_CONNECT_TIMEOUT_SEC,
  DEFAULT_CONTROL_PERSIST_SEC,
  type SshClientOptions,
} from './ssh-argv.js';
export { classifySshFailure, type SshFailure, type SshFailureKind } from './ssh-failure.js';
export { sshEndpointOf, type SshEndpoint } from './source-client.js';
