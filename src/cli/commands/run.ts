import { existsSync } from 'node:fs';
import { ManifestError } from '../../local/manifest.js';
import { startSession } from '../../local/session.js';
import { createView } from '../../local/view.js';
import { ExitCode, UsageError, type CommandModule } from '../program.js';
import { collect } from '../sources.js';

export function parsePort(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(
      `${flag}: expected a port number between 0 and 65535 (0 picks a free one), got "${value}"`,
    );
  return port;
}

export function parseUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: expected an http(s) URL such as http://127.0.0.1:9090, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${flag}: expected an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
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

export const runCommand: CommandModule = (program) => {
  program
    .command('run')
    .description(
      "Run Canaries locally with no cluster: processes as workloads, Serin's own router, the engine, an API and the dashboard",
    )
    .requiredOption(
      '-f, --filename <path>',
      'manifest with Canary and Workload documents (repeatable)',
      collect,
      [] as string[],
    )
    .option('--port <port>', 'router port: where clients send traffic (0 picks a free one)', '8080')
    .option('--api-port <port>', 'port of the status API and dashboard (default: router port + 1)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--prometheus <url>',
      "judge built-in metrics with this Prometheus instead of the router's own counters",
    )
    .option('--json', 'print one JSON event per line instead of the terminal view')
    .option('--state-dir <dir>', 'where state, logs and the token are kept', '.serin')
    .option(
      '--token-file <file>',
      'file holding the API token (default: <state-dir>/token, created if missing)',
    )
    .option('--no-watch', 'do not reload the manifest when it changes')
    .option(
      '--dataplane <mode>',
      'detached: the router runs as its own process that a restart adopts, so traffic keeps flowing; embedded: in this process',
      'detached',
    )
    .action(async (opts) => {
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
    });
};
