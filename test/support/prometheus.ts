/**
 * A real Prometheus (Debian's /usr/bin/prometheus) that scrapes test targets on loopback.
 *
 * Each instance gets a unique temporary directory (config + TSDB), a free 127.0.0.1 port, is
 * ready only once `/-/ready` answers 200, and is killed on `stop()` — or, if a test run dies
 * before that, when the Node process exits. Scraped data needs time: the scrape manager applies
 * targets on a 5 s tick and `rate()` needs two samples, so expect ~7 s before the first answer at
 * a 1 s scrape interval; use {@link waitForQuery} rather than fixed sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/local/workloads/free-port.js';
import { reapAtExit } from './reap-at-exit.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface ScrapeTarget {
  /** `host:port` of a `/metrics` endpoint (or another `metricsPath`). */
  address: string;
  metricsPath?: string;
  job?: string;
}

export interface PrometheusOptions {
  targets: readonly ScrapeTarget[];
  /** Scrape (and evaluation) interval in seconds; default 1. */
  intervalSeconds?: number;
  /** How long to wait for `/-/ready`; default 30 s. */
  readyTimeoutMs?: number;
}

/** A sample value as Prometheus returns it, with its special strings mapped explicitly. */
export type SampleValue = number;

export interface QueryAnswer {
  resultType: string;
  /** Values of a vector result (one per series), or the single value of a scalar. Empty: no data. */
  values: SampleValue[];
  raw: unknown;
}

export interface TestPrometheus {
  url: string;
  dir: string;
  pid: number | undefined;
  query(expr: string): Promise<QueryAnswer>;
  stop(): Promise<void>;
}

function renderConfig(options: PrometheusOptions): string {
  const interval = `${options.intervalSeconds ?? 1}s`;
  const jobs = options.targets.map(
    (t, i) =>
      `  - job_name: ${JSON.stringify(t.job ?? `target-${i}`)}\n` +
      `    scrape_interval: ${interval}\n` +
      `    metrics_path: ${JSON.stringify(t.metricsPath ?? '/metrics')}\n` +
      `    static_configs:\n      - targets: [${JSON.stringify(t.address)}]\n`,
  );
  return (
    `global:\n  scrape_interval: ${interval}\n  evaluation_interval: ${interval}\n` +
    (jobs.length === 0 ? 'scrape_configs: []\n' : `scrape_configs:\n${jobs.join('')}`)
  );
}

/** Maps Prometheus' value strings; `Number("+Inf")` would be NaN. */
export function parseSampleValue(value: string): number {
  if (value === '+Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  if (value === 'NaN') return Number.NaN;
  return Number(value);
}

async function instantQuery(url: string, expr: string): Promise<QueryAnswer> {
  const response = await fetch(`${url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }).toString(),
  });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: unknown };
  };
  if (body.status !== 'success' || body.data === undefined) {
    throw new Error(`query failed (${response.status}): ${body.error ?? 'no data'}: ${expr}`);
  }
  const { resultType, result } = body.data;
  let values: number[] = [];
  if (resultType === 'vector') {
    values = (result as { value: [number, string] }[]).map((s) => parseSampleValue(s.value[1]));
  } else if (resultType === 'scalar') {
    values = [parseSampleValue((result as [number, string])[1])];
  }
  return { resultType, values, raw: result };
}

async function waitReady(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${log()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus not ready after ${timeoutMs} ms: ${log()}`);
}

export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'serin-prom-'));
  writeFileSync(join(dir, 'prometheus.yml'), renderConfig(options));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    reapAtExit(child);
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    try {
      await waitReady(url, child, options.readyTimeoutMs ?? 30_000, () => log);
    } catch (error) {
      child.kill('SIGKILL');
      // Another process may have taken the port between probing and binding: try another.
      if (attempt < 3 && log.includes('address already in use')) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return {
      url,
      dir,
      pid: child.pid,
      query: (expr) => instantQuery(url, expr),
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** Polls `expr` until `accept` returns true for its answer; resolves with that answer. */
export async function waitForQuery(
  prometheus: TestPrometheus,
  expr: string,
  accept: (answer: QueryAnswer) => boolean,
  timeoutMs = 60_000,
): Promise<QueryAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last: QueryAnswer | undefined;
  while (Date.now() < deadline) {
    last = await prometheus.query(expr);
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `no acceptable answer within ${timeoutMs} ms for ${expr}; last: ${JSON.stringify(last?.raw)}`,
  );
}
