import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createGateServer } from '../../analysis/gates/server.js';
import { FileGateStore } from '../../analysis/gates/store.js';
import { LoadTasks } from '../../analysis/loadgen/tasks.js';
import { createEndpointGuard, createGuardedServer } from '../../http/guard.js';
import { loadLimitsFrom, type LoadLimitFlags } from '../load-limits.js';
import { UsageError } from '../program.js';

export interface GatesOptions {
  port: string;
  address: string;
  stateDir: string;
  tokenFile?: string;
  loadgen: boolean;
  allowedHost: string[];
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

export async function serve(opts: GatesOptions & LoadLimitFlags): Promise<void> {
  const port = parsePort(opts.port);
  const token = readToken(opts.tokenFile);
  const limits = loadLimitsFrom(opts);
  const loadTasks = opts.loadgen ? new LoadTasks({ limits }) : undefined;
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const guard = createEndpointGuard({ bindHost: opts.address, allowedHosts: opts.allowedHost });
  const server = createGuardedServer(
    guard,
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
      // Running load is cut at once (requests in flight too), so the process exits promptly.
      const load = loadTasks?.stopAll();
      server.close(() => {
        void Promise.resolve(load).then(resolve);
      });
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
