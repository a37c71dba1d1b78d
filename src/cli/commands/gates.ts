import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateServer } from '../../analysis/gates/server.js';
import { FileGateStore } from '../../analysis/gates/store.js';
import { LoadTasks } from '../../analysis/loadgen/tasks.js';
import { UsageError, type CommandModule } from '../program.js';

interface GatesOptions {
  port: string;
  address: string;
  stateDir: string;
  tokenFile?: string;
  loadgen: boolean;
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535)
    throw new UsageError(`--port: expected a port number between 0 and 65535, got "${text}"`);
  return Number(text);
}

function readToken(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new UsageError(
      `--token-file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (token === '') throw new UsageError(`--token-file: ${path} is empty`);
  return token;
}

async function serve(opts: GatesOptions): Promise<void> {
  const port = parsePort(opts.port);
  const token = readToken(opts.tokenFile);
  const loadTasks = opts.loadgen ? new LoadTasks() : undefined;
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const server = createServer(
    createGateServer({ store: new FileGateStore(opts.stateDir), token, loadTasks, log }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`cannot listen on ${opts.address}:${port}: ${error.code ?? error.message}`));
    });
    server.listen(port, opts.address, resolve);
  });
  const bound = server.address() as AddressInfo;
  process.stdout.write(
    `serin gates listening on http://${bound.address}:${bound.port} (state ${new FileGateStore(opts.stateDir).path}${token === undefined ? ', no token: anyone can open gates' : ''})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await loadTasks?.stopAll();
}

export const gatesCommand: CommandModule = (program) => {
  program
    .command('gates')
    .description(
      "Serve persisted gates (Flagger load tester's gate API) and hey-compatible load tasks for webhooks",
    )
    .option('--port <port>', 'port to listen on', '8080')
    .option('--address <ip>', 'address to listen on', '127.0.0.1')
    .option('--state-dir <dir>', 'directory for gates.json', '.serin/gates')
    .option('--token-file <file>', 'bearer token required to open and close gates')
    .option('--no-loadgen', 'refuse load tasks (POST /)')
    .action(serve);
};
