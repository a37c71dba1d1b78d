import type { CommandModule } from '../program.js';
import { TARGET_HELP, withTargetFlags } from './target-flags.js';

export const statusCommand: CommandModule = (program) => {
  const command = program
    .command('status')
    .description(
      "Show a canary's progress; --watch follows it, --wait waits for the outcome of the target's current revision",
    )
    .argument('<name>', 'canary name')
    .option('-n, --namespace <ns>', TARGET_HELP.namespace)
    .option('-w, --watch', 'keep showing the progress until interrupted')
    .option(
      '--wait',
      "wait for the rollout of the target's current revision: exit 0 when promoted, 1 when rolled back, 3 on timeout",
    )
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 3)', '30m')
    .option('-o, --output <format>', 'json or yaml (one snapshot)');
  withTargetFlags(command).action(async (name, opts) => {
    const { status } = await import('../commands/status.js');
    await status(name, opts);
  });
};
