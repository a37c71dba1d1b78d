import { Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../program.js';
import { ROUTING_PROVIDER_IDS } from '../../routing/providers/ids.js';
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
    .addOption(
      new Option(
        '--provider <provider>',
        "routing provider of Canaries without spec.provider, as your controller's --provider (Flagger's -mesh-provider); default istio",
      ).choices(ROUTING_PROVIDER_IDS),
    )
    .action(async (opts) => {
      const { validate } = await import('../commands/validate.js');
      validate(opts);
    });
};
