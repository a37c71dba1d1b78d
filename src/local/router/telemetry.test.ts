import { describe, expect, it } from 'vitest';
import { randomPicker, smoothRoundRobinPicker } from './balance.js';
import { formatFlags } from './flags.js';
import { ISTIO_DURATION_BUCKETS_MS, RouterTelemetry, type DestinationIdentity } from './telemetry.js';

const canary: DestinationIdentity = {
  workload: 'podinfo',
  workloadNamespace: 'test',
  serviceName: 'podinfo-canary',
  serviceNamespace: 'test',
  version: 'v2',
  canonicalService: 'podinfo',
};

describe('RouterTelemetry', () => {
  it('exposes Istio metric names, label names and Envoy default buckets', async () => {
    const t = new RouterTelemetry({ workload: 'loadtester', namespace: 'test' });
    t.record({
      reporter: 'destination',
      destination: canary,
      responseCode: 200,
      responseFlags: '-',
      durationMs: 7,
    });
    const text = await t.metricsText();
    expect(text).toContain('# HELP istio_requests_total Requests handled by the Serin router');
    expect(text).toContain('# TYPE istio_requests_total counter');
    expect(text).toMatch(
      /istio_request_duration_milliseconds_sum\{[^}]*destination_workload="podinfo"[^}]*\} 7\n/,
    );
    expect(text).toMatch(
      /istio_request_duration_milliseconds_count\{[^}]*destination_workload="podinfo"[^}]*\} 1\n/,
    );
    expect(text).toMatch(/istio_request_duration_milliseconds_bucket\{[^}]*le="5"\} 0\n/);
    expect(text).toMatch(/istio_request_duration_milliseconds_bucket\{[^}]*le="10"\} 1\n/);
    expect(text).toContain('# TYPE istio_request_duration_milliseconds histogram');
    // All 25 of Istio's standard labels; `unknown` where Istio would report it (no mTLS, no labels).
    expect(text).toContain(
      'istio_requests_total{reporter="destination",source_workload="loadtester",source_workload_namespace="test",' +
        'source_principal="unknown",source_app="unknown",source_version="unknown",' +
        'source_canonical_service="loadtester",source_canonical_revision="latest",source_cluster="Kubernetes",' +
        'destination_workload="podinfo",destination_workload_namespace="test",destination_principal="unknown",' +
        'destination_app="unknown",destination_version="v2",' +
        'destination_service="podinfo-canary.test.svc.cluster.local",destination_service_name="podinfo-canary",' +
        'destination_service_namespace="test",destination_canonical_service="podinfo",' +
        'destination_canonical_revision="v2",destination_cluster="Kubernetes",' +
        'request_protocol="http",grpc_response_status="",response_code="200",response_flags="-",' +
        'connection_security_policy="none"} 1',
    );
    const labelNames = [
      ...(/istio_requests_total\{([^}]*)\}/.exec(text)?.[1] ?? '').matchAll(/(\w+)="/g),
    ].map((m) => m[1]);
    expect(labelNames).toHaveLength(25);
    const les = [...text.matchAll(/istio_request_duration_milliseconds_bucket\{[^}]*le="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(les).toEqual([...ISTIO_DURATION_BUCKETS_MS.map(String), '+Inf']);
    expect(ISTIO_DURATION_BUCKETS_MS).toHaveLength(19);
  });

  it('keeps one series per label set when a config update brings new destination objects', async () => {
    const t = new RouterTelemetry({ workload: 'router', namespace: 'test' });
    for (let update = 0; update < 3; update++) {
      const sameWorkload: DestinationIdentity = { ...canary };
      t.record({
        reporter: 'destination',
        destination: sameWorkload,
        responseCode: 200,
        responseFlags: '-',
        durationMs: 3,
      });
    }
    const text = await t.metricsText();
    const lines = text.split('\n').filter((l) => l.startsWith('istio_requests_total{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ 3$/);
    expect(t.snapshot().workloads.map((w) => w.requests)).toEqual([3]);
  });

  it('snapshots cumulative counters per reporter and workload', () => {
    const t = new RouterTelemetry({ workload: 'router', namespace: 'test' });
    for (const [code, ms] of [
      [200, 0.3],
      [200, 7],
      [503, 30],
      [0, 4000],
    ] as const) {
      t.record({
        reporter: 'destination',
        destination: canary,
        responseCode: code,
        responseFlags: '-',
        durationMs: ms,
      });
    }
    t.record({
      reporter: 'source',
      destination: canary,
      responseCode: 503,
      responseFlags: 'UF',
      durationMs: 1,
    });
    const snap = t.snapshot();
    const dest = snap.workloads.find((w) => w.reporter === 'destination');
    expect(dest).toMatchObject({
      workload: 'podinfo',
      namespace: 'test',
      version: 'v2',
      requests: 4,
      nonServerErrors: 3,
    });
    const bucket = (le: number) => dest?.durationBuckets.find((b) => b.le === le)?.count;
    expect([bucket(0.5), bucket(5), bucket(10), bucket(50), bucket(5000), bucket(Infinity)]).toEqual([
      1, 1, 2, 3, 4, 4,
    ]);
    expect(dest?.durationSumMs).toBeCloseTo(4037.3);
    expect(snap.workloads.find((w) => w.reporter === 'source')?.requests).toBe(1);
  });

  it('writes response flags in Envoy order', () => {
    expect(formatFlags(new Set())).toBe('-');
    expect(formatFlags(new Set(['URX', 'UF'] as const))).toBe('UF,URX');
    expect(formatFlags(new Set(['FI', 'DI'] as const))).toBe('DI,FI');
  });
});

describe('weighted choice', () => {
  it('smooth weighted round-robin is exact and interleaved', () => {
    const picker = smoothRoundRobinPicker(['v1', 'v2'], [90, 10]);
    const picks = Array.from({ length: 1000 }, () => picker.pick());
    expect(picks.filter((p) => p === 'v2')).toHaveLength(100);
    // Never two canary picks within a window of ten.
    for (let i = 0; i + 10 <= picks.length; i += 10) {
      expect(picks.slice(i, i + 10).filter((p) => p === 'v2')).toHaveLength(1);
    }
  });

  it('random choice follows the cumulative intervals of the weights', () => {
    const draws = [0, 0.5, 0.8999, 0.9, 0.99];
    let i = 0;
    const picker = randomPicker(['v1', 'v2'], [90, 10], () => draws[i++] ?? 0);
    expect(draws.map(() => picker.pick())).toEqual(['v1', 'v1', 'v1', 'v2', 'v2']);
    expect(() => randomPicker(['a'], [0], Math.random)).toThrow(/positive weight/);
  });
});
