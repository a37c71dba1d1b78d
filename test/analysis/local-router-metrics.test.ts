/**
 * The built-in checks computed from the local router's own counters (no Prometheus) agree with
 * Flagger's PromQL run by a real Prometheus scraping the same router telemetry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryDocument, type Canary, type CanaryMetricInput } from '../../src/api/canary.js';
import { LocalMetricsWindow } from '../../src/analysis/local-window.js';
import type { LocalMetricsSource } from '../../src/analysis/local-source.js';
import { createMetricsPort } from '../../src/analysis/metrics-port.js';
import { RouterTelemetry, UNKNOWN_DESTINATION } from '../../src/local/router/telemetry.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus-remote.js';

const telemetry = new RouterTelemetry({ workload: 'serin-router', namespace: 'test' });
// The router's snapshot is the analysis' local source, unchanged.
const source: LocalMetricsSource = telemetry;
let exporter: Server;
let prometheus: RunningPrometheus;
let traffic: NodeJS.Timeout;

/** Every 50 ms: 8 fast successes, 2 slow 503s — a constant mix, so every window sees the same ratios. */
// One identity object per destination, as the router keeps them (telemetry keys its series by it).
const destination = { ...UNKNOWN_DESTINATION, workload: 'podinfo', workloadNamespace: 'test' };

function tick(): void {
  for (let i = 0; i < 10; i++) {
    const failed = i >= 8;
    telemetry.record({
      reporter: 'destination',
      destination,
      responseCode: failed ? 503 : 200,
      responseFlags: '-',
      durationMs: failed ? 300 : 20,
    });
  }
}

beforeAll(async () => {
  exporter = createServer((_req, res) => {
    void telemetry
      .metricsText()
      .then((text) => res.writeHead(200, { 'content-type': telemetry.contentType }).end(text));
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  traffic = setInterval(tick, 50);
  prometheus = await startPrometheus({
    scrapeTargets: [`127.0.0.1:${(exporter.address() as AddressInfo).port}`],
    scrapeIntervalSeconds: 1,
  });
});
afterAll(async () => {
  clearInterval(traffic);
  await prometheus.stop();
  exporter.closeAllConnections();
  await new Promise((r) => exporter.close(r));
});

const metrics: CanaryMetricInput[] = [
  { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '10s' },
  { name: 'request-duration', thresholdRange: { max: 500 }, interval: '10s' },
];

function canary(metricsServer?: string): Canary {
  return CanaryDocument.parse({
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 80 },
      metricsServer,
      analysis: { stepWeight: 10, metrics },
    },
  });
}

describe('local router metrics against a real Prometheus', () => {
  it('give the same success rate and P99 as Flagger’s queries', async () => {
    const window = new LocalMetricsWindow(source, { sampleEveryMs: 200 }).start();
    const fromProm = createMetricsPort({ templates: () => Promise.resolve(undefined) });
    const fromLocal = createMetricsPort({ templates: () => Promise.resolve(undefined), localSource: window });
    const context = () => ({
      canaryWeight: 10,
      runStartedAt: undefined,
      judgeState: undefined,
      now: new Date(),
    });
    let prom = await fromProm.evaluate(canary(prometheus.url), context());
    const deadline = Date.now() + 45_000;
    while (prom.checks.some((c) => c.verdict === 'unknown') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      prom = await fromProm.evaluate(canary(prometheus.url), context());
    }
    const local = await fromLocal.evaluate(canary(), context());
    window.stop();
    expect(prom.checks.map((c) => c.verdict)).toEqual(['fail', 'pass']);
    expect(local.checks.map((c) => c.verdict)).toEqual(['fail', 'pass']);
    expect(prom.checks[0]?.value).toBeCloseTo(80, 6);
    expect(local.checks[0]?.value).toBeCloseTo(80, 6);
    // The 99th percentile falls in the (250, 500] bucket holding the 20 % slow requests:
    // 250 + 250 × (0.99 − 0.8) / 0.2 = 487.5, truncated to whole milliseconds as Flagger does.
    expect(prom.checks[1]?.value).toBe(487);
    expect(local.checks[1]?.value).toBe(487);
  });
});
