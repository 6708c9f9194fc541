// Output conventions: JSON alone on stdout (one document per call); humans get text on stdout and
// progress on stderr; colour only on a terminal and never with NO_COLOR. Colour is decided on the
// stream the text is written to: `2>log` must not get escape codes because stdout is a terminal.

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

/** Colours for text written to one stream (plain text when that stream is not a terminal). */
export interface Painter {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function painterFor(stream: NodeJS.WriteStream): Painter {
  const paint = (code: number) => (text: string) => (useColor(stream) ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { green: paint(32), red: paint(31), yellow: paint(33), dim: paint(2), bold: paint(1) };
}

/** For text written to stdout. */
export const stdoutPaint = painterFor(process.stdout);
export const { green, red, yellow, dim, bold } = stdoutPaint;
/** For text written to stderr (progress, summaries, logs). */
export const stderrPaint = painterFor(process.stderr);
