import { HsmError } from '../../domain/errors.js';
import { CommandSyntaxError, splitCommandWords } from '../../sweep/command-words.js';
import type { NodeTarget } from '../types.js';

// The `--shell-command` template: the command that opens an interactive shell on one node, e.g.
// `aws ssm start-session --target {target}`, `ssh -tt {node}`, `kubectl exec -it {node} -- bash`.
// It is split into argv words once, by the splitter of sweep commands (quotes and backslashes group
// words as in a shell, but nothing is expanded: no variables, globs or command substitution) and the
// placeholders `{node}` / `{target}` are replaced inside each word, so a node name can never
// become a second word or shell syntax.

export interface ShellCommandTemplate {
  readonly source: string;
  readonly words: readonly string[];
  /** True when the template names a node (`{node}` or `{target}`): false means every node gets
   * the same session command, which is only right for tests against a local shell. */
  readonly hasPlaceholder: boolean;
}

const PLACEHOLDER = /\{(node|target)\}/g;

// Splits a template into argv words; throws a usage error naming the problem for an empty template
// or an unclosed quote.
export function parseShellCommandTemplate(source: string): ShellCommandTemplate {
  let words: string[];
  try {
    words = splitCommandWords(source); // the one shell-word splitter (sweep/command-words.ts)
  } catch (err) {
    if (!(err instanceof CommandSyntaxError)) throw err;
    throw new HsmError(
      'usage',
      err.quote
        ? `The shell command template has an unclosed ${err.quote} quote.`
        : `The shell command template cannot be split into words: ${err.message}.`,
      {
        ...(err.at !== null ? { evidence: `${source}\n${' '.repeat(err.at)}^` } : {}),
        hint: err.quote
          ? 'Close the quote, e.g. --shell-command "ssh -tt {node}".'
          : 'Quote the last character, or remove the trailing backslash.',
      },
    );
  }
  if (words.length === 0) {
    throw new HsmError('usage', 'The shell command template is empty.', {
      hint: 'Give the command that opens a shell on a node, e.g. --shell-command "ssh -tt {node}".',
    });
  }
  return { source, words, hasPlaceholder: words.some((w) => /\{(node|target)\}/.test(w)) };
}

// A template without `{node}` / `{target}` opens the same shell for every node: every "node" would
// run on one host under different labels. Refused unless exactly one node is targeted.
export function checkTemplateNamesNodes(template: ShellCommandTemplate, nodeCount: number): void {
  if (template.hasPlaceholder || nodeCount <= 1) return;
  throw new HsmError(
    'usage',
    `The shell command template \`${template.source}\` names no node, so all ${nodeCount} nodes would run on the same host.`,
    {
      hint: "Put {node} (or {target}) where the node goes, e.g. --shell-command 'ssh -tt {node}'; a template without it is for a single node (-w NODE).",
    },
  );
}

// The argv that opens a shell on one node: each placeholder replaced inside its word.
export function renderShellCommandArgv(template: ShellCommandTemplate, node: NodeTarget): string[] {
  return template.words.map((w) =>
    w.replace(PLACEHOLDER, (_m, name: string) => (name === 'node' ? node.name : node.target)),
  );
}
