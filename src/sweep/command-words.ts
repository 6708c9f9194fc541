// Splits a `command:` string into argv words the way a POSIX shell groups words, without running a
// shell: whitespace separates words; '...' keeps every byte; "..." keeps every byte except that
// \" \\ \$ \` and backslash-newline are escapes; outside quotes a backslash escapes the next
// character. Nothing is expanded: `$HOME`, `~`, globs and `;` stay literal text in their word.
export function splitCommandWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < command.length) {
    const c = command[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end === -1) throw new CommandSyntaxError(`unterminated single quote at character ${i + 1}`, "'", i);
      word += command.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      i++;
      inWord = true;
      for (;;) {
        if (i >= command.length)
          throw new CommandSyntaxError(`unterminated double quote at character ${start + 1}`, '"', start);
        const d = command[i]!;
        if (d === '"') break;
        if (d === '\\' && '"\\$`\n'.includes(command[i + 1] ?? '')) {
          if (command[i + 1] !== '\n') word += command[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 >= command.length) throw new CommandSyntaxError('a trailing backslash escapes nothing');
      if (command[i + 1] !== '\n') {
        word += command[i + 1];
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

// Why a command cannot be split; `quote` and `at` (0-based) name an unclosed quote and where it opens.
export class CommandSyntaxError extends Error {
  constructor(
    message: string,
    readonly quote: "'" | '"' | null = null,
    readonly at: number | null = null,
  ) {
    super(message);
  }
}
