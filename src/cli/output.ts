// Output conventions: JSON alone on stdout (one document per call); humans get text on stdout and
// progress on stderr; colour only on a terminal and never with NO_COLOR.

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

export function paint(code: number, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return useColor(stream) ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export const green = (t: string) => paint(32, t);
export const red = (t: string) => paint(31, t);
export const yellow = (t: string) => paint(33, t);
export const dim = (t: string) => paint(2, t);
export const bold = (t: string) => paint(1, t);
