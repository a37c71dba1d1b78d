import { formatSummary, runDemo } from '../../local/demo/demo.js';
import { ExitCode, UsageError } from '../program.js';
import { parsePort, untilSignal } from './run.js';

function parseDelay(value: string | undefined): number {
  if (value === undefined) return 0;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms > 60_000)
    throw new UsageError(`--shared-delay: expected whole milliseconds between 0 and 60000, got "${value}"`);
  return ms;
}

export interface DemoOptions {
  fast?: boolean;
  port: string;
  apiPort: string;
  stateDir?: string;
  json?: boolean;
  sharedDelay?: string;
  keep?: boolean;
}

/** `--keep`: the demo's router and dashboard stay up for a look around, until SIGINT or SIGTERM. */
async function holdUntilSignal(
  kept: { dashboard: string; router: string; stop(): Promise<void> },
  json: boolean,
): Promise<void> {
  const line = json
    ? `${JSON.stringify({ type: 'kept', dashboard: kept.dashboard, router: kept.router })}\n`
    : `\nStill running (--keep): dashboard ${kept.dashboard}  router ${kept.router}/\nPress Ctrl-C to stop.\n`;
  process.stdout.write(line);
  const signal = await untilSignal();
  await kept.stop();
  process.stdout.write(json ? `${JSON.stringify({ type: 'stopped', signal })}\n` : `stopped (${signal})\n`);
}

export async function demo(opts: DemoOptions): Promise<void> {
  const result = await runDemo({
    fast: opts.fast === true,
    routerPort: parsePort('--port', opts.port, 0),
    apiPort: parsePort('--api-port', opts.apiPort, 0),
    stateDir: opts.stateDir,
    sharedDelayMs: parseDelay(opts.sharedDelay),
    json: opts.json === true,
    color: process.stdout.isTTY,
    // Building the web UI takes a while; the fast demo is for tests and skips it unless kept.
    buildDashboard: opts.fast !== true || opts.keep === true,
    keep: opts.keep === true,
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
  } else {
    process.stdout.write(formatSummary(result));
    if (!result.kept) process.stdout.write('(the dashboard stopped with the demo; --keep keeps it up)\n');
  }
  process.exitCode = result.ok ? ExitCode.ok : ExitCode.failure;
  if (result.kept) await holdUntilSignal(result.kept, opts.json === true);
}
