import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISTIO_DURATION_BUCKETS_MS, RouterTelemetry, UNKNOWN_DESTINATION } from '../telemetry.js';
import { routerClient, runConcurrently, startUpstream, type TestUpstream } from '../testing/upstream.js';
import type { RouterConfig } from '../types.js';
import { routerWorkerCount } from './count.js';
import { createRouterWorkers, type RouterWorkers } from './primary.js';
import { changedSeries, WorkerTally } from './tally.js';

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The value of every `istio_requests_total` line with this reporter (one per series). */
function requestLines(metrics: string, reporter: string): number[] {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith(`istio_requests_total{reporter="${reporter}"`))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
}

const sourceRequests = (router: RouterWorkers) =>
  router
    .snapshot()
    .workloads.filter((w) => w.reporter === 'source')
    .reduce((n, w) => n + w.requests, 0);

describe('router workers', () => {
  let v1: TestUpstream;
  let v2: TestUpstream;
  let router: RouterWorkers;

  const config = (version: 'v1' | 'v2'): RouterConfig => ({
    services: [
      {
        name: 'web',
        namespace: 'default',
        endpoints: [(version === 'v1' ? v1 : v2).endpoint({ version })],
      },
    ],
  });

  beforeAll(async () => {
    v1 = await startUpstream('v1');
    v2 = await startUpstream('v2');
    router = createRouterWorkers(config('v1'), { workers: 3 });
    await router.listen();
    // Three processes loading the router from TypeScript source on a loaded machine.
  }, 180_000);

  afterAll(async () => {
    await router.close();
    await Promise.all([v1.close(), v2.close()]);
  });

  it('serves from three processes and sums their telemetry into one series per label set', async () => {
    expect(new Set(router.workerPids).size).toBe(3);
    expect(router.workerPids).not.toContain(process.pid);
    const client = routerClient(router.address?.port ?? 0, 'web');
    const results = await runConcurrently(600, 24, () => client.get('/'));
    await client.close();
    expect(results.filter((r) => r.status === 200)).toHaveLength(600);
    const metrics = await router.metrics();
    expect(requestLines(metrics, 'source')).toEqual([600]);
    expect(requestLines(metrics, 'destination')).toEqual([600]);
    expect(metrics).toMatch(/istio_request_duration_milliseconds_count\{reporter="source"[^}]*\} 600\n/);
    expect(metrics).toMatch(
      /istio_request_duration_milliseconds_bucket\{[^}]*reporter="source"[^}]*le="\+Inf"\} 600\n/,
    );
    expect(sourceRequests(router)).toBe(600);
  });

  it('puts a configuration in force in every worker before settled resolves', async () => {
    // Connections opened before the swaps, spread over the workers, keep being used after them.
    const warm = routerClient(router.address?.port ?? 0, 'web');
    await runConcurrently(48, 16, () => warm.get('/'));
    for (const version of ['v2', 'v1', 'v2', 'v1', 'v2'] as const) {
      router.update(config(version));
      await router.settled();
      const fresh = routerClient(router.address?.port ?? 0, 'web');
      const results = await runConcurrently(120, 16, (i) => (i % 2 === 0 ? warm : fresh).get('/'));
      await fresh.close();
      expect(new Set(results.map((r) => r.body))).toEqual(new Set([version]));
    }
    await warm.close();
  });

  it('refuses an invalid configuration naming the field, and keeps serving the one in force', async () => {
    const version = router.configVersion;
    const bad: RouterConfig = {
      services: [
        { name: 'web', namespace: 'default', endpoints: [{ address: '127.0.0.1', port: 0, workload: 'x' }] },
      ],
    };
    expect(() => {
      router.update(bad);
    }).toThrow(/services\[0\]\.endpoints\[0\]\.port/);
    expect(router.configVersion).toBe(version);
    await router.settled();
    const client = routerClient(router.address?.port ?? 0, 'web');
    expect((await client.get('/')).body).toBe('v2');
    await client.close();
  });

  it(
    'replaces a killed worker: its reported counts stay, and new connections go to the others',
    { timeout: 180_000 },
    async () => {
      await router.flush();
      const before = sourceRequests(router);
      const [victim] = router.workerPids;
      if (victim === undefined) throw new Error('no worker');
      process.kill(victim, 'SIGKILL');
      await until(() => !router.workerPids.includes(victim), 'the primary to see the worker gone');
      const client = routerClient(router.address?.port ?? 0, 'web');
      const results = await runConcurrently(300, 16, () => client.get('/'));
      await client.close();
      expect(results.filter((r) => r.status === 200)).toHaveLength(300);
      await router.flush();
      // Counts never go backwards (no reset a rate() would misread) and none is lost or doubled.
      expect(sourceRequests(router)).toBe(before + 300);
      await until(() => router.workerPids.length === 3, 'a replacement worker', 150_000);
      expect(router.workerPids).not.toContain(victim);
      // The replacement starts with the configuration in force.
      await router.settled();
      const after = routerClient(router.address?.port ?? 0, 'web');
      const served = await runConcurrently(60, 16, () => after.get('/'));
      await after.close();
      expect(new Set(served.map((r) => r.body))).toEqual(new Set(['v2']));
    },
  );

  it('refuses a random function, which cannot reach other processes', () => {
    expect(() => createRouterWorkers(config('v1'), { workers: 2, ...{ random: Math.random } })).toThrow(
      /^random:/,
    );
  });
});

describe('WorkerTally', () => {
  const telemetry = () => new RouterTelemetry({ namespace: 'default', workload: 'caller' });
  const record = (t: RouterTelemetry, code: number, durationMs: number) => {
    t.record({
      reporter: 'source',
      destination: { ...UNKNOWN_DESTINATION, workload: 'web', workloadNamespace: 'default', version: 'v1' },
      responseCode: code,
      responseFlags: '-',
      durationMs,
    });
  };

  it('counts a repeated report once, keeps a retired worker, and sums workers per series', async () => {
    const a = telemetry();
    const b = telemetry();
    const tally = new WorkerTally({ namespace: 'default', workload: 'caller' });
    const sentA: number[] = [];
    const sentB: number[] = [];
    record(a, 200, 3);
    record(a, 200, 30);
    tally.report(1, changedSeries(a.exportSeries(), sentA));
    // Cumulative: the same state again adds nothing.
    tally.report(
      1,
      a.exportSeries().map((s, index) => ({ ...s, index })),
    );
    record(b, 200, 700);
    record(b, 503, 1);
    tally.report(2, changedSeries(b.exportSeries(), sentB));
    expect(changedSeries(b.exportSeries(), sentB)).toEqual([]);
    tally.retire(1);
    const total = tally.total();
    const snap = total.snapshot().workloads;
    expect(snap).toHaveLength(1);
    expect(snap[0]?.requests).toBe(4);
    expect(snap[0]?.nonServerErrors).toBe(3);
    expect(snap[0]?.durationSumMs).toBe(734);
    const le = (n: number) => snap[0]?.durationBuckets.find((x) => x.le === n)?.count;
    expect([le(1), le(5), le(50), le(1000)]).toEqual([1, 2, 3, 4]);
    expect(snap[0]?.durationBuckets).toHaveLength(ISTIO_DURATION_BUCKETS_MS.length + 1);
    // One exposition line per label set, with the sum.
    const text = await total.metricsText();
    expect(text).toMatch(/istio_requests_total\{[^}]*response_code="200"[^}]*\} 3\n/);
    expect(text).toMatch(/istio_requests_total\{[^}]*response_code="503"[^}]*\} 1\n/);
    expect(text.split('\n').filter((l) => l.startsWith('istio_requests_total{'))).toHaveLength(2);
    // The series a single recorder would expose, label for label.
    const single = telemetry();
    for (const [code, ms] of [
      [200, 3],
      [200, 30],
      [200, 700],
      [503, 1],
    ] as const)
      record(single, code, ms);
    expect(text).toBe(await single.metricsText());
  });
});

describe('routerWorkerCount', () => {
  it('defaults to the available parallelism, then reads the environment, then the flag', () => {
    expect(routerWorkerCount(undefined, '--router-workers', {})).toBe(availableParallelism());
    expect(routerWorkerCount(undefined, '--router-workers', { SERIN_ROUTER_WORKERS: '3' })).toBe(3);
    expect(routerWorkerCount('2', '--router-workers', { SERIN_ROUTER_WORKERS: '3' })).toBe(2);
  });

  it('names the source of a bad count', () => {
    expect(() => routerWorkerCount('0')).toThrow(/^--router-workers: expected a whole number/);
    expect(() => routerWorkerCount('2.5')).toThrow(/^--router-workers:/);
    expect(() => routerWorkerCount(undefined, '--router-workers', { SERIN_ROUTER_WORKERS: 'many' })).toThrow(
      /^SERIN_ROUTER_WORKERS: .*"many"/,
    );
  });
});
