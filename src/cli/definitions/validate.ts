import { Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';

export const validateCommand: CommandModule = (program) => {
  program
    .command('validate')
    .description(
      'Validate Serin and Flagger documents (Canary, MetricTemplate, AlertProvider); other kinds are skipped',
    )
    .requiredOption(
      '-f, --filename <path>',
      'file, directory or - for stdin (repeatable)',
      collect,
      [] as string[],
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json']))
    .option('--strict', 'treat unknown fields as errors')
    .action(async (opts) => {
      const { validate } = await import('../commands/validate.js');
      validate(opts);
    });
};
