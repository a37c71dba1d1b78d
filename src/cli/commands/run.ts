import { existsSync } from 'node:fs';
import { ManifestError } from '../../local/manifest.js';
import { startSession } from '../../local/session.js';
import { createView } from '../../local/view.js';
import { ExitCode, UsageError } from '../program.js';
import { parseUrl } from '../url-flag.js';

export function parsePort(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(
      `${flag}: expected a port number between 0 and 65535 (0 picks a free one), got "${value}"`,
    );
  return port;
}

/** Resolves on SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      done(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

export interface RunOptions {
  filename: string[];
  port: string;
  apiPort?: string;
  host: string;
  prometheus?: string;
  json?: boolean;
  stateDir: string;
  tokenFile?: string;
  watch: boolean;
  dataplane: string;
}

export async function run(opts: RunOptions): Promise<void> {
  // commander counts the collected default ([]) as given, so the required flag is checked here.
  if (opts.filename.length === 0)
    throw new UsageError('-f, --filename: expected a manifest with Canary and Workload documents');
  const routerPort = parsePort('--port', opts.port, 8080);
  const apiPort = parsePort('--api-port', opts.apiPort, routerPort === 0 ? 0 : routerPort + 1);
  const prometheus = parseUrl('--prometheus', opts.prometheus);
  if (opts.dataplane !== 'detached' && opts.dataplane !== 'embedded')
    throw new UsageError(`--dataplane: expected detached or embedded, got "${opts.dataplane}"`);
  const dataplane: 'detached' | 'embedded' = opts.dataplane;
  for (const file of opts.filename) if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const json = opts.json === true;
  const write = (text: string) => process.stdout.write(text);
  let session;
  try {
    session = await startSession({
      files: opts.filename,
      stateDir: opts.stateDir,
      routerPort,
      apiPort,
      host: opts.host,
      prometheus,
      tokenFile: opts.tokenFile,
      watch: opts.watch,
      dataplane,
      onEvent: createView({ write, json, color: process.stdout.isTTY }),
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    if (error instanceof ManifestError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = ExitCode.failure;
      return;
    }
    throw error;
  }
  const { info } = session;
  if (json) write(`${JSON.stringify({ type: 'started', time: new Date().toISOString(), ...info })}\n`);
  else {
    write(
      [
        `serin run: ${opts.filename.join(', ')}`,
        `  router     ${info.router}   (send traffic here)`,
        `  api        ${info.api}/api/local/status`,
        `  dashboard  ${info.dashboard}`,
        `  metrics    ${info.metrics}`,
        `  token      in ${info.tokenFile} (for actions and serin apply)`,
        `  state      ${info.stateDir}`,
        '',
      ].join('\n'),
    );
  }
  const signal = await untilSignal();
  if (!json) write(`received ${signal}: stopping processes\n`);
  await session.stop();
  process.exitCode = ExitCode.ok;
}
