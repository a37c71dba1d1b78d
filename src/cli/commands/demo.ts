import { formatSummary, runDemo } from '../../local/demo/demo.js';
import { ExitCode, UsageError } from '../program.js';
import { parsePort } from './run.js';

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
}
