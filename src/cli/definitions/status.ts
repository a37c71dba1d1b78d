import type { CommandModule } from '../program.js';

export const statusCommand: CommandModule = (program) => {
  program
    .command('status')
    .description(
      "Show a canary's progress; --watch follows it, --wait waits for the outcome of the target's current revision",
    )
    .argument('<name>', 'canary name')
    .option(
      '-n, --namespace <ns>',
      'namespace (default: the kubeconfig context namespace; locally "default")',
    )
    .option('-w, --watch', 'keep showing the progress until interrupted')
    .option(
      '--wait',
      "wait for the rollout of the target's current revision: exit 0 when promoted, 1 when rolled back, 3 on timeout",
    )
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 3)', '30m')
    .option('-o, --output <format>', 'json or yaml (one snapshot)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--local', 'read a running `serin run` (found through --state-dir) instead of a cluster')
    .option(
      '--state-dir <dir>',
      'state directory of the running `serin run` (implies --local; default .serin)',
    )
    .option(
      '--api <url>',
      'API of the running `serin run` (implies --local; default: from <state-dir>/run.json)',
    )
    .action(async (name, opts) => {
      const { status } = await import('../commands/status.js');
      await status(name, opts);
    });
};
