import { Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../program.js';

export const getCommand: CommandModule = (program) => {
  program
    .command('get')
    .description('List canaries on the cluster, like kubectl get')
    .argument('<kind>', 'what to list: canaries')
    .option('-n, --namespace <ns>', 'namespace (default: the kubeconfig context namespace)')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .addOption(new Option('-o, --output <format>', 'wide, json or yaml'))
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .action(async (kind, opts) => {
      const { get } = await import('../commands/get.js');
      await get(kind, opts);
    });
};
