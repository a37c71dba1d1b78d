/**
 * The floors Serin's router is measured against, each alone in its own process:
 *
 *   http  node:http server -> undici Pool, no routing, no policies, no telemetry: every request
 *         goes to the first upstream through `pool.dispatch` with a handler writing straight into
 *         the client response, hop-by-hop headers dropped both ways. This is the cheapest a
 *         proxy built on Node's HTTP stack can be, so it is the floor for Serin's CPU per request.
 *   net   raw `net` pass-through: each client connection is piped to its own upstream connection
 *         without parsing HTTP at all (the floor of Node's socket handling alone).
 *
 *   node-floor.ts <http|net> <upstream-port>     prints `LISTENING <port>` when ready
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';

const [mode, portArg] = process.argv.slice(2);
const upstream = Number(portArg);
if ((mode !== 'http' && mode !== 'net') || !Number.isInteger(upstream)) {
  console.error('usage: node-floor.ts <http|net> <upstream-port>');
  process.exit(2);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function httpFloor(): (req: IncomingMessage, res: ServerResponse) => void {
  const pool = new Pool(`http://127.0.0.1:${upstream}`, { connections: 256, pipelining: 1 });
  return (req, res) => {
    const raw = req.rawHeaders;
    const headers: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const lower = name.toLowerCase();
      if (lower === 'host' || HOP_BY_HOP.has(lower)) continue;
      headers.push(name, raw[i + 1] as string);
    }
    const hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    const handler: Dispatcher.DispatchHandler = {
      // Its presence selects undici's current handler API (the one Serin's router uses).
      onRequestStart() {},
      onResponseStart(_controller, statusCode, upstream) {
        const out: string[] = [];
        for (const name in upstream) {
          const value = upstream[name];
          if (value === undefined || HOP_BY_HOP.has(name)) continue;
          if (typeof value === 'string') out.push(name, value);
          else for (const v of value) out.push(name, v);
        }
        res.writeHead(statusCode, out);
      },
      onResponseData(controller, chunk) {
        if (res.write(chunk)) return;
        controller.pause();
        res.once('drain', () => {
          controller.resume();
        });
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError() {
        if (res.headersSent) res.destroy();
        else {
          res.statusCode = 503;
          res.end();
        }
      },
    };
    pool.dispatch(
      {
        method: req.method as Dispatcher.HttpMethod,
        path: req.url ?? '/',
        headers,
        body: hasBody ? req : null,
      },
      handler,
    );
  };
}

if (mode === 'http') {
  const server = createHttpServer({ keepAliveTimeout: 60_000 }, httpFloor());
  server.listen(0, '127.0.0.1', () => {
    console.log(`LISTENING ${(server.address() as AddressInfo).port}`);
  });
} else {
  const server = createNetServer((client) => {
    const up = connect(upstream, '127.0.0.1');
    client.pipe(up).pipe(client);
    const close = () => {
      client.destroy();
      up.destroy();
    };
    client.on('error', close);
    up.on('error', close);
    client.on('close', close);
    up.on('close', close);
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(`LISTENING ${(server.address() as AddressInfo).port}`);
  });
}

// Exit normally on a signal so that `node --cpu-prof` writes its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
