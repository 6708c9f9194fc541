// Sync through an interactive session (`aws ssm start-session`, `ssh -tt`, `kubectl exec -it`):
// a project pushed to a node and a directory (a task's results) pulled back with nothing but a
// shell in a pty on the node and POSIX tools there. NOTES.md has the pitfalls.
//
//   pushThroughSession(shell, { localRoot, remoteRoot, excludes?, protectedDirs?, includeGit?,
//                               dryRun?, onProgress?, signal?, timeoutMs?, chunkBytes? })
//     -> SessionSyncResult { items[] (path, action send|chmod|delete, bytes), bytes, wire_bytes,
//                            chunks_sent, chunks_reused, unchanged, dry_run, duration_ms }
//     Makes remoteRoot (absolute, or relative to the node's home; `~/` allowed) equal to localRoot:
//     the files rsync's filter rules keep (.gitignore, excludes; .git/, .hsm/ and protectedDirs
//     left out); only changed content travels; deletions apply to what an earlier push wrote.
//     Resumable: a push interrupted mid-way, run again, skips the chunks that arrived.
//     s3Staging {url: s3://bucket/prefix, region?, profile?}: a push of 4 MiB or more goes through
//     S3 (`aws s3 cp` here and on the node) instead of the session (result.chunks_staged).
//   pullThroughSession(shell, { remoteDir, localDir, delete?, dryRun?, onProgress?, s3Staging?, ... })
//     -> SessionSyncResult: copies the node's directory here (changed files only); with s3Staging,
//     a pull of 4 MiB or more comes through S3 (the node's `aws s3 cp`, then this machine's).
//   sessionShellOf(transport: ShellTransport, node: NodeTarget) -> SessionShell
//     the session of `node` in a shell transport (any object with run(command, ShellRunOptions)
//     and a node name will do).
// Errors are HsmErrors: `infra` for a session that fails or a node that lacks a tool (named),
// `usage` for a directory that cannot be used; the message names the node, the step and the fix.
export { pushThroughSession } from './session-push.js';
export { pullThroughSession } from './session-pull.js';
export { sessionShellOf, type SessionShell } from './session-shell.js';
export type * from './types.js';
