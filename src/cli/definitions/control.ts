import { ACTIONS, type ActionName } from '../../kubernetes/commands.js';
import type { CommandModule } from '../program.js';

const DESCRIPTIONS: Record<ActionName, string> = {
  promote: 'Promote the canary now, skipping the rest of the analysis',
  abort: 'Roll the canary back now',
  pause: 'Hold the rollout at its current weight',
  resume: 'Continue a paused rollout',
  'set-weight': 'Route N percent of traffic to the canary (0-100) and hold there',
  retry: 'Run the analysis again for the current revision after a failure',
};

export const controlCommand: CommandModule = (program) => {
  for (const action of ACTIONS) {
    if (action === 'set-weight') {
      program
        .command('set-weight')
        .description(DESCRIPTIONS[action])
        .argument('<weight>', 'canary weight, 0-100')
        .argument('<name>', 'canary name')
        .option('-n, --namespace <ns>', 'namespace of the canary (default: the kubeconfig context namespace)')
        .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
        .option('--context <name>', 'kubeconfig context')
        .option('--reason <text>', 'why, recorded with the decision')
        .action(async (weight, name, opts) => {
          const { send, parseWeight } = await import('../commands/control.js');
          await send(action, name, parseWeight(weight), opts);
        });
      continue;
    }
    program
      .command(action)
      .description(DESCRIPTIONS[action])
      .argument('<name>', 'canary name')
      .option('-n, --namespace <ns>', 'namespace of the canary (default: the kubeconfig context namespace)')
      .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
      .option('--context <name>', 'kubeconfig context')
      .option('--reason <text>', 'why, recorded with the decision')
      .action(async (name, opts) => {
        const { send } = await import('../commands/control.js');
        await send(action, name, undefined, opts);
      });
  }
};
