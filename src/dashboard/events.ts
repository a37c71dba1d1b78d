/** Server-sent events: every connected browser hears which Canary changed, plus heartbeats. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CanaryChange } from './backend.js';
import type { EndpointGuard } from '../http/guard.js';
import { SECURITY_HEADERS } from './http.js';

export interface EventHub {
  connect(req: IncomingMessage, res: ServerResponse): void;
  broadcast(change: CanaryChange): void;
  /** Ends every stream (on shutdown). */
  closeAll(): void;
  readonly size: number;
}

export function createEventHub(options: { heartbeatMs: number; guard: EndpointGuard }): EventHub {
  const clients = new Map<ServerResponse, () => void>();
  const heartbeat = setInterval(() => {
    for (const res of clients.keys()) res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
  }, options.heartbeatMs);
  heartbeat.unref();

  return {
    connect(req, res) {
      // The stream budget is the server's: the next ordinary request is still answered.
      const release = options.guard.openStream(res);
      if (release === undefined) return;
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store, no-transform',
        Connection: 'keep-alive',
        // Proxies such as nginx would otherwise hold the stream back.
        'X-Accel-Buffering': 'no',
      });
      res.write('retry: 2000\n\nevent: ready\ndata: {}\n\n');
      clients.set(res, release);
      const drop = (): void => {
        clients.delete(res);
        release();
      };
      req.on('close', drop);
      res.on('error', drop);
    },
    broadcast(change) {
      const frame = `event: change\ndata: ${JSON.stringify({ namespace: change.namespace, name: change.name })}\n\n`;
      for (const res of clients.keys()) res.write(frame);
    },
    closeAll() {
      clearInterval(heartbeat);
      for (const [res, release] of clients) {
        res.end();
        release();
      }
      clients.clear();
    },
    get size() {
      return clients.size;
    },
  };
}
