import { formatSummary, runDemo } from '../../local/demo/demo.js';
import { ExitCode, UsageError, type CommandModule } from '../program.js';
import { parsePort } from './run.js';

function parseDelay(value: string | undefined): number {
  if (value === undefined) return 0;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms > 60_000)
    throw new UsageError(`--shared-delay: expected whole milliseconds between 0 and 60000, got "${value}"`);
  return ms;
}

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
    .option(
      '--shared-delay <ms>',
      'slow every version alike by this many milliseconds, as a loaded machine does (default 0)',
    )
    .action(async (opts) => {
      const result = await runDemo({
        fast: opts.fast === true,
        routerPort: parsePort('--port', opts.port, 0),
        apiPort: parsePort('--api-port', opts.apiPort, 0),
        stateDir: opts.stateDir,
        sharedDelayMs: parseDelay(opts.sharedDelay),
        json: opts.json === true,
        color: process.stdout.isTTY,
        // Building the web UI takes a while; the fast demo is for tests and skips it.
        buildDashboard: opts.fast !== true,
        write: (text) => process.stdout.write(text),
      });
      if (opts.json === true) {
        const stages = result.stages.map((s) => ({
          version: s.release.version,
          phase: s.phase,
          seconds: s.seconds,
          expected: s.release.expected,
          ok: s.ok,
        }));
        process.stdout.write(
          `${JSON.stringify({ type: 'summary', ok: result.ok, stages, serving: result.finalVersion })}\n`,
        );
      } else process.stdout.write(formatSummary(result));
      process.exitCode = result.ok ? ExitCode.ok : ExitCode.failure;
    });
};
