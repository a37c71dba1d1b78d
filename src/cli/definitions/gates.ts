import { addLoadLimitOptions } from '../load-limits.js';
import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';

export const gatesCommand: CommandModule = (program) => {
  const command = program
    .command('gates')
    .description(
      "Serve persisted gates (Flagger load tester's gate API) and hey-compatible load tasks for webhooks",
    )
    .option('--port <port>', 'port to listen on', '8080')
    .option('--address <ip>', 'address to listen on', '127.0.0.1')
    .option('--state-dir <dir>', 'directory for gates.json', '.serin/gates')
    .option('--token-file <file>', 'bearer token required to open and close gates')
    .option('--no-loadgen', 'refuse load tasks (POST /)')
    .option(
      '--allowed-host <name>',
      'a Host name to answer besides loopback names (repeatable; on a non-loopback address, addresses and cluster names are answered too)',
      collect,
      [] as string[],
    );
  addLoadLimitOptions(command);
  command.action(async (opts) => {
    const { serve } = await import('../commands/gates.js');
    await serve(opts);
  });
};
