import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';

export const runCommand: CommandModule = (program) => {
  program
    .command('run')
    .description(
      "Run Canaries locally with no cluster: processes as workloads, Serin's own router, the engine, an API and the dashboard",
    )
    .requiredOption(
      '-f, --filename <path>',
      'manifest with Canary and Workload documents (repeatable)',
      collect,
      [] as string[],
    )
    .option('--port <port>', 'router port: where clients send traffic (0 picks a free one)', '8080')
    .option('--api-port <port>', 'port of the status API and dashboard (default: router port + 1)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--prometheus <url>',
      "judge built-in metrics with this Prometheus instead of the router's own counters",
    )
    .option('--json', 'print one JSON event per line instead of the terminal view')
    .option('--state-dir <dir>', 'where state, logs and the token are kept', '.serin')
    .option(
      '--token-file <file>',
      'file holding the API token (default: <state-dir>/token, created if missing)',
    )
    .option('--no-watch', 'do not reload the manifest when it changes')
    .option(
      '--dataplane <mode>',
      'detached: the router runs as its own process that a restart adopts, so traffic keeps flowing; embedded: in this process',
      'detached',
    )
    .action(async (opts) => {
      const { run } = await import('../commands/run.js');
      await run(opts);
    });
};
