import type { CommandModule } from '../program.js';

export const lintCommand: CommandModule = (program) => {
  program
    .command('lint')
    .description(
      'Check Istio routing, Services, workloads and Canaries offline; exit 1 when an error is found.',
    )
    .argument('[paths...]', 'manifest files or directories (- for stdin)')
    .option('-n, --namespace <ns>', 'namespace of manifests that do not name one', 'default')
    .option('-o, --output <format>', 'json or yaml instead of text')
    .option('--list-checks', 'print every check code with its title and exit')
    .action(async (paths, opts) => {
      const { lint } = await import('../commands/lint.js');
      lint(paths, opts);
    });
};
