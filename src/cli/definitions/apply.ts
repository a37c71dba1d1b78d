import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';

export const applyCommand: CommandModule = (program) => {
  program
    .command('apply')
    .description(
      'Send documents to a running `serin run`: a changed Workload starts a rollout, as a new Deployment image would',
    )
    .requiredOption(
      '-f, --filename <path>',
      'file, directory or - for stdin (repeatable)',
      collect,
      [] as string[],
    )
    .option('--state-dir <dir>', 'state directory of the running instance', '.serin')
    .option('--api <url>', 'API of the running instance (default: read from <state-dir>/run.json)')
    .option('--token-file <file>', 'file holding the API token (default: the one the running instance uses)')
    .action(async (opts) => {
      const { apply } = await import('../commands/apply.js');
      await apply(opts);
    });
};
