// `node: line` output as nodes produce it (pdsh / clush default): complete lines are printed at
// once, prefixed with the node name, so lines of different nodes never mix; a last line without a
// newline is printed when its node finishes.

export class LinePrefixer {
  private readonly partial = new Map<string, string>();

  constructor(
    private readonly write: (text: string) => void,
    private readonly width = 0,
  ) {}

  // Adds a chunk of one node's output; prints every complete line.
  push(node: string, chunk: string): void {
    const text = (this.partial.get(node) ?? '') + chunk;
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      this.partial.set(node, text);
      return;
    }
    this.partial.set(node, text.slice(end + 1));
    const prefix = `${node.padEnd(this.width)}: `;
    this.write(
      text
        .slice(0, end)
        .split('\n')
        .map((l) => prefix + l.replace(/\r$/, '') + '\n')
        .join(''),
    );
  }

  // Prints what is left of a node's last line.
  flush(node: string): void {
    const rest = this.partial.get(node);
    this.partial.delete(node);
    if (rest) this.push(node, rest + '\n');
  }
}
