// `node: line` output as nodes produce it (pdsh / clush default): complete lines are printed at
// once, prefixed with the node name, so lines of different nodes never mix; a last line without a
// newline is printed when its node finishes. Linear in the output's size: a chunk without a
// newline is only queued (a 40 MB line is joined once, when its newline arrives).

export class LinePrefixer {
  private readonly partial = new Map<string, string[]>();

  constructor(
    private readonly write: (text: string) => void,
    private readonly width = 0,
  ) {}

  // Adds a chunk of one node's output; prints every complete line.
  push(node: string, chunk: string): void {
    const end = chunk.lastIndexOf('\n');
    const queued = this.partial.get(node);
    if (end === -1) {
      if (chunk === '') return;
      if (queued) queued.push(chunk);
      else this.partial.set(node, [chunk]);
      return;
    }
    const head = queued ? queued.join('') + chunk.slice(0, end) : chunk.slice(0, end);
    const rest = chunk.slice(end + 1);
    if (rest === '') this.partial.delete(node);
    else this.partial.set(node, [rest]);
    const prefix = `${node.padEnd(this.width)}: `;
    this.write(
      head
        .split('\n')
        .map((l) => prefix + (l.endsWith('\r') ? l.slice(0, -1) : l) + '\n')
        .join(''),
    );
  }

  // Prints what is left of a node's last line.
  flush(node: string): void {
    const rest = this.partial.get(node);
    this.partial.delete(node);
    if (rest) this.push(node, rest.join('') + '\n');
  }
}
