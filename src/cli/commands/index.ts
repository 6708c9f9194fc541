import type { Command } from 'commander';

// Every command's module, one line each, in the order `hsm --help` lists them, with the commands it
// registers. A module (and the API it uses) is imported only when one of its commands runs, so
// start-up reads commander and this table alone (`hsm --version`: not even the table). Help, no
// command, or a name that is not one (a typo: commander suggests the closest) loads them all.
type Register = (program: Command) => void;
const MODULES: [commands: string[], load: () => Promise<Register>][] = [
  [['run'], async () => (await import('./run.js')).registerRun],
  [['complete'], async () => (await import('./complete.js')).registerComplete],
  [['watch', 'status'], async () => (await import('./status.js')).registerStatus],
  [['recent'], async () => (await import('./recent.js')).registerRecent],
  [['cancel'], async () => (await import('./cancel.js')).registerCancel],
  [['logs'], async () => (await import('./logs.js')).registerLogs],
  [['validate'], async () => (await import('./validate.js')).registerValidate],
  [['show'], async () => (await import('./show.js')).registerShow],
  [['init'], async () => (await import('./init.js')).registerInit],
  [['exec'], async () => (await import('./exec.js')).registerExec],
  [['errors'], async () => (await import('./errors.js')).registerErrors],
  [['results'], async () => (await import('./results.js')).registerResults],
  [['sync'], async () => (await import('./sync.js')).registerSync],
  [['collect'], async () => (await import('./collect.js')).registerCollect],
  [['matrix'], async () => (await import('./matrix.js')).registerMatrix],
  [['report'], async () => (await import('./report.js')).registerReport],
  [['serve'], async () => (await import('./serve.js')).registerServe],
];

/** Registers the command `argv` names (the words after `hsm`), or every command. */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  // the command is the first word that is not an option: hsm's own options (-v) take no value
  const name = argv.find((a) => !a.startsWith('-'));
  if (name === undefined && argv.some((a) => a === '-V' || a === '--version')) return;
  const named = MODULES.filter(([commands]) => name !== undefined && commands.includes(name));
  const registers = await Promise.all((named.length > 0 ? named : MODULES).map(([, load]) => load()));
  for (const register of registers) register(program);
}
