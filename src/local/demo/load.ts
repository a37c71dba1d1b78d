import { Agent, request } from 'undici';

export interface LoadStats {
  sent: number;
  /** Responses by `version status`, e.g. `v2 200`. */
  byVersion: Map<string, number>;
  /** Requests that got no HTTP response at all. */
  failed: number;
}

export interface LoadOptions {
  /** Must be a loopback URL: the demo never sends traffic anywhere else. */
  url: string;
  ratePerSecond: number;
  /** Upper bound on requests in flight. */
  maxInFlight: number;
  /** Upper bound on requests in total, whatever happens. */
  maxRequests: number;
}

/**
 * A small paced load generator for the demo: a request every 1/rate seconds through the router,
 * bounded in flight and in total, counting every answer by the version that served it.
 */
export function startLoad(options: LoadOptions): { stats: LoadStats; stop(): Promise<void> } {
  const target = new URL(options.url);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost')
    throw new Error(`load: expected a loopback URL, got ${options.url}`);
  const agent = new Agent({ connections: options.maxInFlight, keepAliveTimeout: 10_000 });
  const stats: LoadStats = { sent: 0, byVersion: new Map(), failed: 0 };
  const pending = new Set<Promise<void>>();
  const fire = () => {
    if (pending.size >= options.maxInFlight || stats.sent >= options.maxRequests) return;
    stats.sent++;
    const p = (async () => {
      try {
        const res = await request(options.url, {
          dispatcher: agent,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        const version = res.headers['x-version'];
        await res.body.dump();
        const key = `${typeof version === 'string' ? version : 'none'} ${res.statusCode}`;
        stats.byVersion.set(key, (stats.byVersion.get(key) ?? 0) + 1);
      } catch {
        stats.failed++;
      }
    })();
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const timer = setInterval(fire, Math.max(1, Math.round(1000 / options.ratePerSecond)));
  return {
    stats,
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      await agent.close();
    },
  };
}
