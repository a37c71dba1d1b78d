import { Argument } from '@commander-js/extra-typings';
import type { CommandModule } from '../program.js';

export const completionCommand: CommandModule = (program) => {
  program
    .command('completion')
    .description(
      'Print a shell completion script: `source <(serin completion bash)`, or see docs/install.md for zsh and fish',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish'] as const))
    .action(async (shell) => {
      const { completionScript } = await import('../completion.js');
      process.stdout.write(completionScript(program, shell));
    });
};
