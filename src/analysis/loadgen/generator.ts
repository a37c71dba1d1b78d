/**
 * A built-in HTTP load generator on undici: `concurrency` workers, each optionally limited to
 * `ratePerWorker` requests per second, for a duration or a number of requests. It reports what
 * hey reports: requests, errors, status codes and latency percentiles.
 */
import { Pool } from 'undici';
import type { LoadOptions } from './hey.js';

export interface LoadSummary {
  requests: number;
  /** Requests that got no response (connection error, timeout). */
  errors: number;
  /** Responses by status code. */
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  durationMs: number;
  /** Completed requests per second. */
  rate: number;
}

export interface RunLoadOptions {
  signal?: AbortSignal;
  /** Called every `progressEveryMs` (default 1000) with the summary so far. */
  onProgress?: (summary: LoadSummary) => void;
  progressEveryMs?: number;
}

/** Keeps a uniform sample of at most `capacity` latencies (Vitter's reservoir), for percentiles. */
class Reservoir {
  readonly values: number[] = [];
  seen = 0;
  sum = 0;
  max = 0;

  constructor(private readonly capacity = 100_000) {}

  add(value: number): void {
    this.seen += 1;
    this.sum += value;
    this.max = Math.max(this.max, value);
    if (this.values.length < this.capacity) this.values.push(value);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.capacity) this.values[j] = value;
    }
  }
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

class Tally {
  readonly latency = new Reservoir();
  readonly statusCodes: Record<string, number> = {};
  errors = 0;
  readonly startedAt = performance.now();

  summary(): LoadSummary {
    const sorted = [...this.latency.values].sort((a, b) => a - b);
    const responses = this.latency.seen;
    const durationMs = performance.now() - this.startedAt;
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      requests: responses + this.errors,
      errors: this.errors,
      statusCodes: { ...this.statusCodes },
      latencyMs: {
        p50: round(percentile(sorted, 0.5)),
        p90: round(percentile(sorted, 0.9)),
        p99: round(percentile(sorted, 0.99)),
        max: round(this.latency.max),
        mean: round(responses === 0 ? 0 : this.latency.sum / responses),
      },
      durationMs: Math.round(durationMs),
      rate: round(durationMs === 0 ? 0 : ((responses + this.errors) * 1000) / durationMs),
    };
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Runs the load and resolves with the final summary (also when aborted). */
export async function runLoad(options: LoadOptions, run: RunLoadOptions = {}): Promise<LoadSummary> {
  const url = new URL(options.url);
  const pool = new Pool(url.origin, { connections: options.concurrency });
  // The duration ending stops new requests and lets those in flight finish, as hey does; a
  // cancel (shutdown) also cuts those in flight, so it never waits out their timeouts.
  const stop = new AbortController();
  const cut = new AbortController();
  const onAbort = () => {
    stop.abort();
    cut.abort();
  };
  run.signal?.addEventListener('abort', onAbort, { once: true });
  const deadline =
    options.durationMs === undefined
      ? undefined
      : setTimeout(() => {
          stop.abort();
        }, options.durationMs);
  const tally = new Tally();
  const progress =
    run.onProgress === undefined
      ? undefined
      : setInterval(() => run.onProgress?.(tally.summary()), run.progressEveryMs ?? 1000);
  // A request count, when given, ends the run too; a duration alone runs until it elapses.
  let remaining = options.requests ?? (options.durationMs === undefined ? 200 : Number.POSITIVE_INFINITY);
  const headers = Object.fromEntries(options.headers.map(([n, v]) => [n.toLowerCase(), v]));
  const path = `${url.pathname}${url.search}`;

  async function send(): Promise<void> {
    const started = performance.now();
    try {
      const response = await pool.request({
        path,
        method: options.method,
        headers,
        ...(options.body !== undefined ? { body: options.body } : {}),
        ...(options.timeoutMs > 0
          ? { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs }
          : {}),
        signal: cut.signal,
      });
      await response.body.dump();
      tally.latency.add(performance.now() - started);
      const code = String(response.statusCode);
      tally.statusCodes[code] = (tally.statusCodes[code] ?? 0) + 1;
    } catch {
      if (!cut.signal.aborted) tally.errors += 1;
    }
  }

  async function worker(): Promise<void> {
    const interval = options.ratePerWorker === undefined ? 0 : 1000 / options.ratePerWorker;
    let next = performance.now();
    while (!stop.signal.aborted && remaining > 0) {
      remaining -= 1;
      await send();
      if (interval > 0) {
        next += interval;
        await sleep(next - performance.now(), stop.signal);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  } finally {
    clearTimeout(deadline);
    clearInterval(progress);
    run.signal?.removeEventListener('abort', onAbort);
    await (cut.signal.aborted ? pool.destroy() : pool.close()).catch(() => undefined);
  }
  return tally.summary();
}
