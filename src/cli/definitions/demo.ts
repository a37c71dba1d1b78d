import type { CommandModule } from '../program.js';

export const demoCommand: CommandModule = (program) => {
  program
    .command('demo')
    .description(
      'Zero-configuration demo: roll out a healthy v2 (promoted) and a faulty v3 (rolled back) on this machine',
    )
    .option('--fast', 'short intervals and fewer steps (about 30 s; for tests and CI)')
    .option('--port <port>', 'router port (0, the default, picks a free one)', '0')
    .option('--api-port <port>', 'status API and dashboard port (0, the default, picks a free one)', '0')
    .option('--state-dir <dir>', 'keep state here instead of a temporary directory')
    .option('--json', 'print one JSON event per line instead of the terminal view')
    .option('--keep', 'after the summary, keep the router and the dashboard up until Ctrl-C')
    .option(
      '--shared-delay <ms>',
      'slow every version alike by this many milliseconds, as a loaded machine does (default 0)',
    )
    .action(async (opts) => {
      const { demo } = await import('../commands/demo.js');
      await demo(opts);
    });
};
