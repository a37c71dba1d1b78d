/**
 * The demo service: a small HTTP server whose behaviour is set by its environment, so one program
 * can play a healthy release and a faulty one.
 *
 *   PORT            port to listen on (Serin sets it)
 *   VERSION         reported in every answer and in the `x-version` header (default v1)
 *   ERROR_RATE      share of requests answered with HTTP 500, 0..1 (default 0)
 *   LATENCY_MS      added latency per request in milliseconds (default 0)
 *   LATENCY_JITTER  extra random latency, uniform in [0, LATENCY_JITTER] ms (default 0)
 *
 * `GET /healthz` is always fast and healthy (readiness must not depend on the fault under test);
 * `GET /stats` reports how many requests this process served. SIGTERM stops accepting connections
 * and exits once in-flight requests are answered.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface DemoBehaviour {
  version: string;
  errorRate: number;
  latencyMs: number;
  jitterMs: number;
}

export function behaviourFromEnv(env: NodeJS.ProcessEnv): DemoBehaviour {
  const num = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`${name}: expected a number >= 0, got "${env[name]}"`);
    return value;
  };
  const errorRate = num('ERROR_RATE', 0);
  if (errorRate > 1) throw new Error(`ERROR_RATE: expected a share between 0 and 1, got ${errorRate}`);
  return {
    version: env.VERSION ?? 'v1',
    errorRate,
    latencyMs: num('LATENCY_MS', 0),
    jitterMs: num('LATENCY_JITTER', 0),
  };
}

export function startDemoService(behaviour: DemoBehaviour, port: number) {
  let served = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version: behaviour.version, served }));
      return;
    }
    served++;
    const delay = behaviour.latencyMs + Math.random() * behaviour.jitterMs;
    const fail = Math.random() < behaviour.errorRate;
    const answer = () => {
      const status = fail ? 500 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'x-version': behaviour.version });
      res.end(JSON.stringify({ version: behaviour.version, status, path: url, pid: process.pid }) + '\n');
    };
    // Drain the request body before answering so keep-alive connections stay usable.
    req.resume();
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  };
  const server = createServer(handle);
  server.keepAliveTimeout = 5000;
  server.listen(port, '127.0.0.1');
  return server;
}

function main(): void {
  const behaviour = behaviourFromEnv(process.env);
  const port = Number(process.env.PORT ?? 0);
  const server = startDemoService(behaviour, port);
  server.on('listening', () => {
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    process.stdout.write(`demo service ${behaviour.version} listening on 127.0.0.1:${bound}\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (
  process.argv[1] !== undefined &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
) {
  main();
}
