import { Command, Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';

const checkCommand = new Command('check')
  .exitOverride()
  .description(
    'Say, per Canary, whether Serin runs it as written, what differs from Flagger, and what it will not run (exit 1 if any will not run)',
  )
  .option(
    '-f, --filename <path>',
    'file, directory or - for stdin (repeatable); default: the cluster',
    collect,
    [],
  )
  .option('-n, --namespace <ns>', 'on a cluster: namespace (default: the kubeconfig context namespace)')
  .option('-A, --all-namespaces', 'on a cluster: every namespace')
  .option('--provider <name>', 'the routing provider your controller defaults to (its --provider)')
  .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
  .option('--context <name>', 'kubeconfig context')
  .addOption(
    new Option('-o, --output <format>', 'json or yaml instead of the table').choices(['json', 'yaml']),
  )
  .action(async (opts) => {
    const { check } = await import('../commands/migrate.js');
    await check(opts);
  });

export const migrateCommand: CommandModule = (program) => {
  const migrate = new Command('migrate').description('Move Canaries from Flagger to Serin');
  migrate.addCommand(checkCommand);
  program.addCommand(migrate);
};
