// The last lines of a task's stderr as people read them: escape sequences removed, progress bars
// (carriage-return redraws) reduced to their final state, blank lines dropped.

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*(?:\x07|\x1b\\)/g;

export function splitStderrLines(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.replace(ANSI, '').split('\n')) {
    const cr = raw.lastIndexOf('\r', raw.length - 2);
    const line = (cr >= 0 ? raw.slice(cr + 1) : raw).replace(/\r$/, '').trimEnd();
    if (line.trim() !== '') lines.push(line);
  }
  return lines;
}

// The last line of a Python traceback: `ValueError: lr must be positive`, `torch.OutOfMemoryError: ...`.
// With chained exceptions the last traceback is the one that ended the program.
const EXCEPTION_LINE = /^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Fault)(?::\s.*)?$/;

export function findFinalExceptionLine(lines: readonly string[]): string | null {
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith('Traceback (most recent call last):')) {
      start = i;
      break;
    }
  }
  if (start < 0) return null;
  for (let i = lines.length - 1; i > start; i--) {
    const line = lines[i]!;
    if (!/^\s/.test(line) && EXCEPTION_LINE.test(line)) return line;
  }
  return null;
}
