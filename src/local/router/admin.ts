import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TelemetrySnapshot } from './telemetry.js';
import type { RouterConfig } from './types.js';

/** What the admin listener reads: the same for a router in this process and for a primary of workers. */
export interface AdminSource {
  metrics(): Promise<string>;
  readonly contentType: string;
  stats(): Promise<TelemetrySnapshot>;
  config(): { version: number; config: RouterConfig };
}

/** The admin listener's routes: `/metrics`, `/stats`, `/config`, `/healthz` (and `/ready`). */
export function adminHandler(source: AdminSource): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void serveAdmin(req, res, source);
  };
}

async function serveAdmin(req: IncomingMessage, res: ServerResponse, source: AdminSource): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  try {
    if (req.method === 'GET' && path === '/metrics') {
      const body = await source.metrics();
      res.writeHead(200, { 'content-type': source.contentType });
      res.end(body);
    } else if (req.method === 'GET' && (path === '/healthz' || path === '/ready')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    } else if (req.method === 'GET' && path === '/config') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(source.config()));
    } else if (req.method === 'GET' && path === '/stats') {
      const stats = await source.stats();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: try /metrics, /stats, /config or /healthz\n');
    }
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`${error instanceof Error ? error.message : String(error)}\n`);
  }
}
