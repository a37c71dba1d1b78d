import { Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';

export const analyzeCommand: CommandModule = (program) => {
  program
    .command('analyze')
    .description(
      "Run a Canary's metric checks (and its judge) now, printing each query, value, bounds and verdict",
    )
    .requiredOption(
      '-f, --filename <path>',
      'Canary and MetricTemplate files, directories or - (repeatable)',
      collect,
      [] as string[],
    )
    .option('--prometheus <url>', 'Prometheus to query, instead of the Canary’s spec.metricsServer')
    .option(
      '--provider <provider>',
      "whose built-in queries Canaries without spec.provider run (Flagger's -mesh-provider; default istio)",
    )
    .option('--dry-run', 'print the rendered queries only')
    .option('--watch', 'repeat at the analysis interval until interrupted')
    .option('--at <time>', 'evaluate at this RFC 3339 time instead of now')
    .option('--since <duration>', "the judge's window when the Canary has no status.runStartedAt", '10m')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json']))
    .action(async (opts) => {
      const { analyze } = await import('../commands/analyze.js');
      await analyze(opts);
    });
};
