import type { Command } from '@commander-js/extra-typings';
import { ACTIONS, type ActionName } from '../../kubernetes/commands.js';
import type { CommandModule } from '../program.js';
import { TARGET_HELP, WHERE_HELP, withTargetFlags } from './target-flags.js';

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
    const command = program
      .command(action)
      .description(DESCRIPTIONS[action])
      .addHelpText('after', WHERE_HELP);
    // One shape for both: the action reads its positional arguments from the list.
    const withArgs = (
      action === 'set-weight' ? command.argument('<weight>', 'canary weight, 0-100') : command
    ) as Command;
    withTargetFlags(
      withArgs.argument('<name>', 'canary name').option('-n, --namespace <ns>', TARGET_HELP.namespace),
    )
      .option('--token-file <file>', TARGET_HELP.tokenFile)
      .option('--reason <text>', 'why, recorded with the decision')
      .action(async (...args: unknown[]) => {
        // Commander passes the arguments, then the options, then the command.
        const { send, parseWeight } = await import('../commands/control.js');
        const opts = args.at(-2) as Parameters<typeof send>[3];
        const positional = args.slice(0, -2) as string[];
        const weight = action === 'set-weight' ? parseWeight(positional[0] ?? '') : undefined;
        await send(action, positional.at(-1) ?? '', weight, opts);
      });
  }
};
