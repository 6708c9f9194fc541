import { readFileSync } from 'node:fs';
import { loadProjectConfig } from '../config/index.js';
import { parseDuration } from '../domain/duration.js';
import { HsmError } from '../domain/errors.js';

// What `hsm exec` runs: the command line given, the commands of a --script FILE, or a named
// command of hsm_config.yaml (`hsm exec @gpu-check`), with the nodes and timeout it names.

export interface ExecJob {
  /** The command line (one command), or a label of the script (several). '' = interactive. */
  command: string;
  /** Several commands to run in order on each node (--script, a `run:` list); null: one command. */
  script: string[] | null;
  /** Nodes named by the command (a node set); the command line's selection overrides them. */
  nodes: string | null;
  timeoutMs: number | null;
}

const NAMED = /^@([A-Za-z0-9][A-Za-z0-9_.-]*)$/;

// Builds the job from the command words and --script; usage errors for what cannot be combined.
export function prepareExecJob(
  words: readonly string[],
  scriptFile: string | undefined,
  cwd: string,
): ExecJob {
  const command = words.join(' ');
  const named = words.length >= 1 ? NAMED.exec(words[0]!) : null;
  if (scriptFile !== undefined) {
    if (command.trim() !== '')
      throw new HsmError(
        'usage',
        `--script ${scriptFile} and a command (\`${command}\`) cannot be combined.`,
        {
          hint: 'Put the command in the script file, or drop --script.',
        },
      );
    return {
      command: `--script ${scriptFile}`,
      script: readScriptFile(scriptFile),
      nodes: null,
      timeoutMs: null,
    };
  }
  if (!named) return { command, script: null, nodes: null, timeoutMs: null };
  if (words.length > 1)
    throw new HsmError(
      'usage',
      `The named command @${named[1]} takes no further words (\`${words.slice(1).join(' ')}\`).`,
      {
        hint: `Run it alone: hsm exec @${named[1]}; or give the command line itself.`,
      },
    );
  return namedCommand(named[1]!, cwd);
}

function namedCommand(name: string, cwd: string): ExecJob {
  const config = loadProjectConfig(cwd);
  const found = config.commands[name];
  if (!found) {
    const known = Object.keys(config.commands);
    throw new HsmError(
      'usage',
      `Unknown command @${name}${config.file ? ` (not in the commands: of ${config.file})` : ' (no hsm_config.yaml found)'}.`,
      {
        hint: known.length
          ? `Known commands: ${known.map((k) => `@${k}`).join(', ')}.`
          : `Define it in hsm_config.yaml, e.g.\n  commands:\n    ${name}:\n      nodes: "node[01-16]"\n      run: nvidia-smi -L`,
      },
    );
  }
  const timeoutMs = found.timeout === null ? null : parseDuration(String(found.timeout));
  return {
    command: found.run.length === 1 ? found.run[0]! : `@${name}`,
    script: found.run.length === 1 ? null : found.run,
    nodes: found.nodes,
    timeoutMs,
  };
}

// A script file: one command line per line; blank lines and `#` comment lines are skipped.
export function readScriptFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HsmError('usage', `Cannot read the script ${file}: ${(err as Error).message}`, {
      hint: 'Give a file with one command line per line (# starts a comment line).',
    });
  }
  const commands = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (commands.length === 0)
    throw new HsmError('usage', `The script ${file} has no command.`, {
      hint: 'Write one command line per line; blank lines and lines starting with # are skipped.',
    });
  return commands;
}
