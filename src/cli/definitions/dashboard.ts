import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';

export const dashboardCommand: CommandModule = (program) => {
  program
    .command('dashboard')
    .description("Serve the dashboard for the cluster's Canaries (read-only unless a token file is given)")
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8090')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--token-file <file>', 'file holding the token that allows actions from the dashboard')
    .option('--token-name <name>', 'name recorded as who acted (default: token:<first 4 hex of its SHA-256>)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option(
      '--allowed-host <name>',
      'a Host name to answer besides loopback names, e.g. behind an Ingress (repeatable; * answers any)',
      collect,
      [] as string[],
    )
    .action(async (opts) => {
      const { dashboard } = await import('../commands/dashboard.js');
      await dashboard(opts);
    });
};
