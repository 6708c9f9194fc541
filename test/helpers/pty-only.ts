import { resolve } from 'node:path';

// The pty-only wrapper (test/fixtures/pty-only/ssh-tt): `ssh -tt` to one test host that refuses to
// run unless its stdin is a terminal and it is given one node name, so nothing but an interactive
// shell (no exec channel, scp or rsync) reaches the host. Tests of features that must work through
// `aws ssm start-session` use it as their shell command.
export const PTY_ONLY_WRAPPER = resolve(import.meta.dirname, '../fixtures/pty-only/ssh-tt');

/** `shell_command:` / `--shell-command` value opening a pty-only session on `{node}`. */
export const PTY_ONLY_SHELL_COMMAND = `${PTY_ONLY_WRAPPER} {node}`;
