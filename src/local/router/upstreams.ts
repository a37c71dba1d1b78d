import { Pool } from 'undici';

export interface UpstreamPoolOptions {
  maxConnections: number;
  /** Upstream idle keep-alive; kept below Node's 5 s server default so we close first. */
  keepAliveTimeoutMs: number;
  connectTimeoutMs: number;
  /** Grace before a pool no longer in the configuration is closed (in-flight requests finish). */
  retireAfterMs: number;
}

const DEFAULTS: UpstreamPoolOptions = {
  maxConnections: 256,
  keepAliveTimeoutMs: 4000,
  connectTimeoutMs: 5000,
  retireAfterMs: 60_000,
};

/**
 * One keep-alive undici Pool per upstream endpoint, shared across configuration versions so a
 * weight change never reconnects. Pools that leave the configuration are closed after a grace
 * period, long enough for requests (and their retries) started on the old configuration.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly retiring = new Map<string, number>();
  private readonly options: UpstreamPoolOptions;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: Partial<UpstreamPoolOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.sweeper = setInterval(
      () => {
        this.sweep(Date.now());
      },
      Math.max(1000, this.options.retireAfterMs / 4),
    );
    this.sweeper.unref();
  }

  /** The pool for `address:port`, created on first use. */
  get(address: string, port: number): Pool {
    const key = endpointKey(address, port);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      const host = address.includes(':') ? `[${address}]` : address;
      pool = new Pool(`http://${host}:${port}`, {
        connections: this.options.maxConnections,
        pipelining: 1,
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
        keepAliveMaxTimeout: this.options.keepAliveTimeoutMs,
        connect: { timeout: this.options.connectTimeoutMs },
        // Timeouts are enforced per route by the router itself.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      this.pools.set(key, pool);
    }
    this.retiring.delete(key);
    return pool;
  }

  /** Marks every pool whose endpoint is not in `live` for closing after the grace period. */
  retain(live: ReadonlySet<string>, now = Date.now()): void {
    for (const key of this.pools.keys()) {
      if (live.has(key)) this.retiring.delete(key);
      else if (!this.retiring.has(key)) this.retiring.set(key, now);
    }
  }

  sweep(now: number): void {
    for (const [key, since] of this.retiring) {
      if (now - since < this.options.retireAfterMs) continue;
      const pool = this.pools.get(key);
      this.pools.delete(key);
      this.retiring.delete(key);
      void pool?.close().catch(() => undefined);
    }
  }

  get size(): number {
    return this.pools.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.retiring.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

export function endpointKey(address: string, port: number): string {
  return `${address}:${port}`;
}
