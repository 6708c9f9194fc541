import { Command } from 'commander';
import { openProject } from '../../api/index.js';
import { startDashboard } from '../../web/dashboard-server.js';
import { asOptionValue } from '../option-parsers.js';

// `hsm serve`: the local web dashboard (docs/dashboard.md). Prints the URL with its access token and
// serves until Ctrl-C.
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'a live web dashboard of the project’s sweeps, on 127.0.0.1 (the printed URL carries its access token)',
    )
    .option('--port <n>', 'port (0: a free one)', portNumber, 8765)
    .option('--host <address>', 'address to listen on (the token is required on any)', '127.0.0.1')
    .option('--json', 'print {url, host, port} as JSON on stdout once listening')
    .action(async (flags: { port: number; host: string; json?: boolean }) => {
      const project = openProject();
      const dashboard = await startDashboard(project, { host: flags.host, port: flags.port });
      if (flags.json)
        process.stdout.write(
          JSON.stringify({ url: dashboard.url, host: dashboard.host, port: dashboard.port }) + '\n',
        );
      else process.stdout.write(`hsm dashboard of ${project.projectRoot}: ${dashboard.url}\n`);
      if (flags.host !== '127.0.0.1' && flags.host !== 'localhost' && flags.host !== '::1')
        process.stderr.write(
          `listening on ${flags.host}: anyone who can reach it needs the token in the URL above; keep it private\n`,
        );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await dashboard.close();
    });
}

const portNumber = asOptionValue((value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0..65535, got "${value}"`);
  return n;
});
