// The one quoting function for every place a shell cannot be avoided (ssh command lines, job
// scripts, the runner's command files). POSIX single quotes keep every byte literal; a single quote
// itself is closed, escaped and reopened. Empty strings become ''. Safe for sh, dash, bash, zsh.
export function quoteShellWord(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// Joins argv into one shell command line, each word quoted.
export function quoteShellArgv(argv: readonly string[]): string {
  return argv.map(quoteShellWord).join(' ');
}
