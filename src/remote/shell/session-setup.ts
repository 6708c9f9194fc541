// The lines typed into a fresh shell before any command, so that nothing of the user's shell
// set-up can be mistaken for output. Each line is short and valid in sh, dash, bash, zsh and ksh:
// shell-specific parts are guarded by `[ -n "$BASH_VERSION" ]` / `$ZSH_VERSION` and zsh array
// syntax sits inside `eval` (dash rejects a whole line that merely contains `name=()`).
export const SETUP_LINES: readonly string[] = [
  // First of all: an rc file's `set -e` would end the session at the first failing line.
  // No echo of what we type; no `\n` -> `\r\n` translation (bytes come back as written).
  'set +e; command stty -echo -onlcr 2>/dev/null',
  // Known, empty prompts; nothing run before each prompt; no history file written on the node.
  "PS1=''; PS2=''; PS3=''; PS4='+ '; unset PROMPT_COMMAND HISTFILE 2>/dev/null; set +x +v",
  // bash: no bracketed paste (it wraps prompts in ESC[?2004h / ESC[?2004l), no `!` history
  // expansion, no PS0, no DEBUG/RETURN/ERR traps an rc file may print from, and no aliases: a
  // command then means what it means over the ssh exec channel (non-interactive, no aliases).
  // No history: a command could read the lines typed for it back (and its end marker's token).
  "[ -n \"$BASH_VERSION\" ] && { bind 'set enable-bracketed-paste off' 2>/dev/null; set +H; set +o history; PS0=''; trap - DEBUG RETURN ERR; shopt -u expand_aliases; }",
  // zsh: no precmd/preexec hooks, right prompt, `%` end-of-line mark, bracketed paste or aliases.
  '[ -n "$ZSH_VERSION" ] && eval \'precmd_functions=(); preexec_functions=(); RPROMPT=""; RPS1=""; unsetopt PROMPT_SP PROMPT_CR 2>/dev/null; unset zle_bracketed_paste\'',
];
