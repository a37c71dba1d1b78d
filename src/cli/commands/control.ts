import {
  ACTIONS,
  COMMAND_ANNOTATION,
  buildCommand,
  encodeCommand,
  type ActionName,
} from '../../kubernetes/commands.js';
import { connect, findCanary } from '../../kubernetes/cli-support.js';
import { UsageError, type CommandModule } from '../program.js';

const DESCRIPTIONS: Record<ActionName, string> = {
  promote: 'Promote the canary now, skipping the rest of the analysis',
  abort: 'Roll the canary back now',
  pause: 'Hold the rollout at its current weight',
  resume: 'Continue a paused rollout',
  'set-weight': 'Route N percent of traffic to the canary (0-100) and hold there',
  retry: 'Run the analysis again for the current revision after a failure',
};

function whoAmI(): string {
  return process.env.USER ?? process.env.USERNAME ?? 'serin-cli';
}

async function send(
  action: ActionName,
  name: string,
  weight: number | undefined,
  opts: { namespace?: string; kubeconfig?: string; context?: string; reason?: string },
): Promise<void> {
  const { client, namespace } = connect(opts);
  const { canary, type } = await findCanary(client, namespace, name);
  const command = buildCommand(action, { weight, by: whoAmI(), reason: opts.reason });
  // A merge patch of one annotation: GitOps tools that own the spec have nothing to revert.
  await client.patch(type, namespace, canary.metadata.name, {
    metadata: { annotations: { [COMMAND_ANNOTATION]: encodeCommand(command) } },
  });
  process.stdout.write(
    `canary.${type.group}/${name}: ${action}${weight === undefined ? '' : ` ${weight}`} requested (command ${command.id})\n`,
  );
}

function parseWeight(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 0 || n > 100)
    throw new UsageError(`set-weight: expected a whole number between 0 and 100, got "${text}"`);
  return n;
}

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
        await send(action, name, undefined, opts);
      });
  }
};
