import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createAuthorizer } from '../../dashboard/auth.js';
import { HttpError } from '../../dashboard/http.js';
import { createRouter, type Router, type RouterConfig } from '../router/index.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { processIdentity } from '../workloads/process-identity.js';
import { dataplaneFile, dataplaneSocket, readDataplaneRecord, type DataplaneRecord } from './files.js';

export interface DataplaneOptions {
  stateDir: string;
  port: number;
  host: string;
  /** Bearer token every control call must present. */
  token: string;
}

export interface RunningDataplane {
  router: Router;
  control: Server;
  record: DataplaneRecord;
  /** Closes both listeners; in-flight requests finish first (bounded by the router's close). */
  close(): Promise<void>;
}

/** Largest configuration accepted on the control socket (a manifest with many services fits). */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
/** The control socket serves one control plane; a few connections are plenty. */
const MAX_CONTROL_CONNECTIONS = 8;

/**
 * The router as a process of its own, so that traffic keeps flowing while `serin run` restarts
 * (ADR 0009). It serves the data-plane port and a control socket in the state directory, readable
 * by its owner only, on which the control plane pushes whole configurations and reads telemetry.
 */
export async function startDataplane(options: DataplaneOptions): Promise<RunningDataplane> {
  const router = createRouter(
    { services: [] },
    { identity: { namespace: 'default', workload: 'serin-router' } },
  );
  const address = await router.listen(options.port, options.host);
  const socket = dataplaneSocket(options.stateDir);
  rmSync(socket, { force: true });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await Promise.all([
        new Promise<void>((done) => {
          control.close(() => {
            done();
          });
          control.closeAllConnections();
        }),
        router.close(),
      ]);
      rmSync(socket, { force: true });
      // Gone on purpose: nothing is left for the next instance to adopt.
      if (readDataplaneRecord(options.stateDir)?.pid === process.pid)
        rmSync(dataplaneFile(options.stateDir), { force: true });
    })());
  const authorizer = createAuthorizer({ token: options.token, tokenName: 'control-plane' });
  const control = createServer((req, res) => {
    serveControl(req, res, { router, authorize: (r) => authorizer.authorize(r), shutdown: close }).catch(
      (error: unknown) => {
        reply(res, 500, { error: error instanceof Error ? error.message : String(error) });
      },
    );
  });
  control.maxConnections = MAX_CONTROL_CONNECTIONS;
  await new Promise<void>((done, fail) => {
    control.once('error', fail);
    // Owner-only from the first instant: the socket is created under this umask.
    const umask = process.umask(0o177);
    control.listen(socket, () => {
      process.umask(umask);
      control.off('error', fail);
      done();
    });
  });
  const identity = processIdentity(process.pid);
  const record: DataplaneRecord = {
    pid: process.pid,
    startTime: identity?.startTime ?? 0,
    argv: identity?.argv ?? process.argv,
    router: { address: address.address, port: address.port },
    socket,
  };
  await writeFileAtomic(dataplaneFile(options.stateDir), `${JSON.stringify(record, null, 2)}\n`, 0o600);
  return { router, control, record, close };
}

interface ControlDeps {
  router: Router;
  authorize(req: IncomingMessage): string;
  shutdown(): Promise<void>;
}

async function serveControl(req: IncomingMessage, res: ServerResponse, deps: ControlDeps): Promise<void> {
  // Only a local process can reach a Unix socket, but the Host check keeps a proxied browser out too.
  if (req.headers.host !== 'dataplane') {
    reply(res, 403, { error: 'the data-plane control socket answers Host: dataplane only' });
    return;
  }
  try {
    deps.authorize(req);
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 401;
    reply(res, status, { error: (error as Error).message });
    return;
  }
  const path = (req.url ?? '/').split('?')[0];
  const route = `${req.method ?? 'GET'} ${path ?? '/'}`;
  switch (route) {
    case 'GET /healthz':
      reply(res, 200, { ok: true, configVersion: deps.router.configVersion });
      return;
    case 'GET /snapshot':
      reply(res, 200, deps.router.snapshot());
      return;
    case 'GET /metrics': {
      const text = await deps.router.metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
      return;
    }
    case 'PUT /config':
      await putConfig(req, res, deps.router);
      return;
    case 'POST /shutdown':
      reply(res, 202, { stopping: true });
      res.once('finish', () => {
        void deps.shutdown().then(() => process.exit(0));
      });
      return;
    default:
      reply(res, 404, { error: `no such control call: ${route}` });
  }
}

async function putConfig(req: IncomingMessage, res: ServerResponse, router: Router): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CONFIG_BYTES) {
      reply(res, 413, { error: `configuration larger than ${MAX_CONFIG_BYTES} bytes` });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  }
  let config: RouterConfig;
  try {
    config = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RouterConfig;
  } catch (error) {
    reply(res, 400, { error: `body: expected a JSON router configuration: ${(error as Error).message}` });
    return;
  }
  try {
    // Compiled completely before it replaces the one in force: a bad one changes nothing.
    router.update(config);
  } catch (error) {
    reply(res, 400, { error: (error as Error).message });
    return;
  }
  reply(res, 200, { configVersion: router.configVersion });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
