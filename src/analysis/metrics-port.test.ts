import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CanaryAnalysis,
  CanaryDocument,
  type Canary,
  type CanaryInput,
  type CanaryMetricInput,
} from '../api/canary.js';
import type { MetricTemplate } from '../api/metric-template.js';
import {
  EXAMPLE_BUCKETS,
  FIXTURE_EVAL_TIME,
  FIXTURE_START_SECONDS,
  istioOpenMetrics,
} from '../../test/support/istio-openmetrics.js';
import { startPrometheus, type RunningPrometheus } from '../../test/support/prometheus-remote.js';
import { createMetricsPort, MetricsEvaluator } from './metrics-port.js';
import type { LocalMetricsSnapshot } from './local-source.js';

let prometheus: RunningPrometheus;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serin-metrics-'));
  prometheus = await startPrometheus({
    openMetrics: istioOpenMetrics([
      {
        namespace: 'test',
        workload: 'podinfo',
        perSecondByCode: { '200': 10, '500': 1 },
        bucketsPerSecond: EXAMPLE_BUCKETS,
      },
      {
        namespace: 'test',
        workload: 'podinfo-primary',
        perSecondByCode: { '200': 20, '503': 0.2 },
        bucketsPerSecond: [
          ['25', 18],
          ['+Inf', 20.2],
        ],
      },
      { namespace: 'test', workload: 'idle', perSecondByCode: { '200': 0 } },
      // Both versions slowed alike (a loaded machine), and a canary slower than its slow primary.
      {
        namespace: 'test',
        workload: 'alike',
        perSecondByCode: { '200': 11 },
        bucketsPerSecond: EXAMPLE_BUCKETS,
      },
      {
        namespace: 'test',
        workload: 'alike-primary',
        perSecondByCode: { '200': 11 },
        bucketsPerSecond: EXAMPLE_BUCKETS,
      },
      {
        namespace: 'test',
        workload: 'worse',
        perSecondByCode: { '200': 11 },
        bucketsPerSecond: EXAMPLE_BUCKETS,
      },
      {
        namespace: 'test',
        workload: 'worse-primary',
        perSecondByCode: { '200': 11 },
        bucketsPerSecond: [
          ['50', 10.9],
          ['100', 11],
          ['+Inf', 11],
        ],
      },
    ]),
  });
});
afterAll(async () => {
  await prometheus.stop();
  await rm(dir, { recursive: true, force: true });
});

function canary(
  metrics: CanaryMetricInput[],
  extra: Partial<CanaryInput['spec']> = {},
  target = 'podinfo',
): Canary {
  return CanaryDocument.parse({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      service: { port: 9898 },
      metricsServer: prometheus.url,
      analysis: { stepWeight: 10, metrics },
      ...extra,
    },
  });
}

const templates = new Map<string, MetricTemplate>();
function template(
  name: string,
  query: string,
  provider: MetricTemplate['spec']['provider'] = { type: 'prometheus', address: '' },
): void {
  templates.set(`test/${name}`, {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name, namespace: 'test' },
    spec: {
      provider: { ...provider, address: provider.address === '' ? prometheus.url : provider.address },
      query,
    },
  });
}

const context = { canaryWeight: 10, runStartedAt: undefined, judgeState: undefined, now: FIXTURE_EVAL_TIME };
const port = () =>
  createMetricsPort({ templates: (ns, name) => Promise.resolve(templates.get(`${ns}/${name}`)) });

describe('built-in checks against a real Prometheus', () => {
  it('measures the success rate and the truncated P99', async () => {
    const result = await port().evaluate(
      canary([
        { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
        { name: 'request-duration', thresholdRange: { max: 500 }, interval: '1m' },
      ]),
      context,
    );
    const [rate, duration] = result.checks;
    expect(rate).toMatchObject({ name: 'request-success-rate', kind: 'metric', verdict: 'fail', min: 99 });
    expect(rate?.value).toBeCloseTo(90.909, 2);
    expect(rate?.message).toMatch(/90\.909\d* below bounds \(min 99\)/);
    // 100 + 150 × 0.89 / 0.95 = 240.53 ms, truncated to whole ms as Flagger does.
    expect(duration).toMatchObject({ verdict: 'pass', value: 240, max: 500 });
    expect(result.judge).toBeUndefined();
  });

  it('applies the deprecated threshold: a minimum for the success rate, a maximum for duration', async () => {
    const result = await port().evaluate(
      canary([
        { name: 'request-success-rate', threshold: 90 },
        { name: 'request-duration', threshold: 240 },
        { name: 'request-duration', threshold: 239 },
      ]),
      context,
    );
    expect(result.checks.map((c) => c.verdict)).toEqual(['pass', 'pass', 'fail']);
  });

  it('treats thresholdRange bounds as inclusive', async () => {
    const result = await port().evaluate(
      canary([{ name: 'request-duration', thresholdRange: { min: 240, max: 240 } }]),
      context,
    );
    expect(result.checks[0]?.verdict).toBe('pass');
  });

  it('reports no traffic (NaN) and no series as unknown with the reason', async () => {
    const idle = await port().evaluate(
      canary([{ name: 'request-success-rate', threshold: 99 }], {}, 'idle'),
      context,
    );
    expect(idle.checks[0]).toMatchObject({ verdict: 'unknown' });
    expect(idle.checks[0]?.message).toMatch(/returned NaN/);
    const none = await port().evaluate(
      canary([{ name: 'request-success-rate', threshold: 99 }], {}, 'nosuch'),
      context,
    );
    expect(none.checks[0]?.message).toMatch(/no values found for query " sum\( rate\(/);
  });

  it('reports an unreachable Prometheus as unknown with the transport error', async () => {
    const result = await port().evaluate(
      canary([{ name: 'request-duration', threshold: 500 }], { metricsServer: 'http://127.0.0.1:1' }),
      context,
    );
    expect(result.checks[0]).toMatchObject({ verdict: 'unknown' });
    expect(result.checks[0]?.message).toMatch(/ECONNREFUSED/);
  });

  it('says which setting is missing when there is no metrics server at all', async () => {
    const result = await port().evaluate(
      canary([{ name: 'request-duration', threshold: 500 }], { metricsServer: undefined }),
      context,
    );
    expect(result.checks[0]?.message).toMatch(/no metrics server: set spec.metricsServer/);
  });
});

describe('the noise guard', () => {
  const slow: CanaryMetricInput[] = [{ name: 'request-duration', thresholdRange: { max: 20 } }];
  const serin = (c: Canary): Canary => ({ ...c, apiVersion: 'serin.dev/v1beta1' });

  it('reports a failure the primary shares to the same degree as environmental, with both values', async () => {
    const result = await port().evaluate(serin(canary(slow, {}, 'alike')), context);
    const check = result.checks[0];
    expect(check?.verdict).toBe('environmental');
    expect(check?.value).toBeGreaterThan(20);
    expect(check?.primaryValue).toBe(check?.value);
    expect(check?.message).toMatch(/above bounds \(max 20\); the primary fails it alike in the same window/);
  });

  it('still fails a canary that is slower than its slow primary', async () => {
    const result = await port().evaluate(serin(canary(slow, {}, 'worse')), context);
    const check = result.checks[0];
    expect(check?.verdict).toBe('fail');
    expect(check?.primaryValue).toBeGreaterThan(20);
    expect(check?.primaryValue).toBeLessThan(check?.value ?? 0);
    expect(check?.message).toMatch(/the primary fails it too but less/);
  });

  it("keeps Flagger's meaning for flagger.app documents unless they opt in", async () => {
    const flagger = await port().evaluate(canary(slow, {}, 'alike'), context);
    expect(flagger.checks[0]?.verdict).toBe('fail');
    expect(flagger.checks[0]?.primaryValue).toBeUndefined();
    const optedIn = canary(slow, {}, 'alike');
    optedIn.spec.analysis = CanaryAnalysis.parse({ stepWeight: 10, metrics: slow, noiseGuard: true });
    expect((await port().evaluate(optedIn, context)).checks[0]?.verdict).toBe('environmental');
  });

  it('leaves the failure standing when the query cannot name the primary', async () => {
    const fixed = serin(
      canary([{ name: 'fixed', query: 'vector(5)', thresholdRange: { max: 1 } }], {}, 'alike'),
    );
    const check = (await port().evaluate(fixed, context)).checks[0];
    expect(check?.verdict).toBe('fail');
    expect(check?.message).toMatch(/does not name \{\{ target \}\}/);
  });
});

describe('inline queries and MetricTemplates', () => {
  it('runs an inline query, with Flagger variables rendered', async () => {
    const result = await port().evaluate(
      canary([
        {
          name: 'rps',
          query: 'sum(rate(istio_requests_total{destination_workload="{{ target }}"}[{{ interval }}]))',
          interval: '2m',
          thresholdRange: { min: 5 },
        },
      ]),
      context,
    );
    expect(result.checks[0]).toMatchObject({ verdict: 'pass' });
    expect(result.checks[0]?.value).toBeCloseTo(11, 6);
  });

  it('errors on several series, naming the query, instead of taking the last', async () => {
    const result = await port().evaluate(
      canary([
        {
          name: 'per-code',
          query: 'rate(istio_requests_total{destination_workload="podinfo"}[1m])',
          threshold: 100,
        },
      ]),
      context,
    );
    expect(result.checks[0]?.verdict).toBe('unknown');
    expect(result.checks[0]?.message).toMatch(
      /query "rate\(istio_requests_total\{destination_workload="podinfo"\}\[1m\]\)" returned 2 series .*response_code="(200|500)".*aggregate it/,
    );
  });

  it('renders a template with templateVariables and uses only the template for a built-in name', async () => {
    template(
      'latency',
      'histogram_quantile(0.5, sum(rate(istio_request_duration_milliseconds_bucket{reporter="{{ variables.reporter }}",destination_workload_namespace="{{ namespace }}",destination_workload=~"{{ target }}"}[{{ interval }}])) by (le))',
    );
    const evaluator = new MetricsEvaluator({
      templates: (ns, name) => Promise.resolve(templates.get(`${ns}/${name}`)),
    });
    const result = await evaluator.evaluateDetailed(
      canary([
        {
          name: 'request-duration',
          templateRef: { name: 'latency' },
          templateVariables: { reporter: 'destination' },
          thresholdRange: { max: 20 },
        },
      ]),
      context,
    );
    const [check] = result.metrics;
    // The template's median (17.5 ms), not the built-in P99 (truncated and compared to 20 it would fail).
    expect(check?.value).toBeCloseTo(17.5, 6);
    expect(check?.verdict).toBe('pass');
    expect(check?.plan).toMatchObject({ kind: 'template', source: 'prometheus' });
    expect(check?.plan.query).toContain('reporter="destination"');
  });

  it('reports a missing template variable, a missing template and a provider it cannot set up as unknown', async () => {
    template('needs-var', 'sum(x{a="{{ variables.zone }}"})');
    template('dd', 'SELECT 1', { type: 'cloudwatch' });
    const result = await port().evaluate(
      canary([
        { name: 'a', templateRef: { name: 'needs-var' }, threshold: 1 },
        { name: 'b', templateRef: { name: 'missing' }, threshold: 1 },
        { name: 'c', templateRef: { name: 'dd' }, threshold: 1 },
        { name: 'd', threshold: 1 },
      ]),
      context,
    );
    expect(result.checks.map((c) => c.verdict)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
    expect(result.checks[0]?.message).toMatch(/template variable "zone" is not set/);
    expect(result.checks[1]?.message).toMatch(/MetricTemplate test\/missing not found/);
    // CloudWatch without provider.region, which Flagger requires as well.
    expect(result.checks[2]?.message).toMatch(/provider\.region: cloudwatch needs the AWS region/);
    expect(result.checks[3]?.message).toMatch(/no usable metrics template and query were configured/);
  });

  it('reads provider credentials from a secret file and sends them', async () => {
    const file = join(dir, 'creds');
    await writeFile(file, 'token=abc123\n');
    template('with-secret', 'vector(3)', { type: 'prometheus', address: '', secretFile: file });
    const result = await port().evaluate(
      canary([{ name: 's', templateRef: { name: 'with-secret' }, thresholdRange: { max: 3 } }]),
      context,
    );
    expect(result.checks[0]).toMatchObject({ verdict: 'pass', value: 3 });
  });
});

describe('the same built-ins against the local router counters', () => {
  function snapshotAt(seconds: number): LocalMetricsSnapshot {
    // Same traffic as the Prometheus fixture: 11 req/s, 1 of them 5xx, EXAMPLE_BUCKETS.
    return {
      takenAtMs: (FIXTURE_START_SECONDS + seconds) * 1000,
      workloads: [
        {
          reporter: 'destination',
          workload: 'podinfo',
          namespace: 'test',
          requests: 11 * seconds,
          nonServerErrors: 10 * seconds,
          durationBuckets: EXAMPLE_BUCKETS.map(([le, rate]) => ({
            le: le === '+Inf' ? Infinity : Number(le),
            count: rate * seconds,
          })),
        },
        {
          reporter: 'source',
          workload: 'podinfo',
          namespace: 'test',
          requests: 1000 * seconds,
          nonServerErrors: 0,
          durationBuckets: [],
        },
      ],
    };
  }

  it('answers what Prometheus answers for the same traffic', async () => {
    let t = 0;
    const source = { snapshot: () => snapshotAt(t) };
    const { LocalMetricsWindow } = await import('./local-window.js');
    const window = new LocalMetricsWindow(source);
    for (t = 0; t <= 480; t += 15) window.sample();
    t = 480;
    const local = createMetricsPort({ templates: () => Promise.resolve(undefined), localSource: window });
    const metrics: CanaryMetricInput[] = [
      { name: 'request-success-rate', thresholdRange: { min: 99 } },
      { name: 'request-duration', thresholdRange: { max: 500 } },
    ];
    const fromLocal = await local.evaluate(canary(metrics, { metricsServer: undefined }), context);
    const fromPrometheus = await port().evaluate(canary(metrics), context);
    expect(fromLocal.checks.map((c) => [c.verdict, c.value])).toEqual(
      fromPrometheus.checks.map((c) => [c.verdict, c.value]),
    );
  });

  it("counts only this run's traffic: the canary workload's previous, healthy revision does not outvote a faulty one", async () => {
    // The previous revision: 100 healthy req/s for 60 s. This run, from 60 s: 5 req/s, 1 a 5xx.
    let t = 0;
    const counts = (seconds: number) => {
      const run = Math.max(0, seconds - 60);
      const before = Math.min(seconds, 60) * 100;
      return { requests: before + run * 5, nonServerErrors: before + run * 4 };
    };
    const { LocalMetricsWindow } = await import('./local-window.js');
    const window = new LocalMetricsWindow({
      snapshot: () => ({
        takenAtMs: (FIXTURE_START_SECONDS + t) * 1000,
        workloads: [
          {
            reporter: 'destination',
            workload: 'podinfo',
            namespace: 'test',
            ...counts(t),
            durationBuckets: [{ le: Infinity, count: counts(t).requests }],
          },
        ],
      }),
    });
    for (t = 0; t <= 80; t += 5) window.sample();
    t = 80;
    const local = createMetricsPort({ templates: () => Promise.resolve(undefined), localSource: window });
    const c = canary([{ name: 'request-success-rate', thresholdRange: { min: 99 } }], {
      metricsServer: undefined,
    });
    const now = new Date((FIXTURE_START_SECONDS + 80) * 1000);
    const unscoped = await local.evaluate(c, { ...context, now });
    expect(unscoped.checks[0]).toMatchObject({ verdict: 'pass' });
    const runStartedAt = new Date((FIXTURE_START_SECONDS + 60) * 1000).toISOString();
    const scoped = await local.evaluate(c, { ...context, now, runStartedAt });
    expect(scoped.checks[0]).toMatchObject({ verdict: 'fail', value: 80 });
  });

  it('has no rate before two samples and no value without requests', async () => {
    const { LocalMetricsWindow } = await import('./local-window.js');
    const window = new LocalMetricsWindow({ snapshot: () => snapshotAt(0) });
    const local = createMetricsPort({ templates: () => Promise.resolve(undefined), localSource: window });
    const result = await local.evaluate(
      canary([{ name: 'request-success-rate', threshold: 99 }], { metricsServer: undefined }),
      context,
    );
    expect(result.checks[0]?.verdict).toBe('unknown');
    expect(result.checks[0]?.message).toMatch(/no rate yet|no requests/);
  });
});

describe('the sequential judge', () => {
  const runStartedAt = new Date((FIXTURE_START_SECONDS + 120) * 1000).toISOString();

  it('is fed cumulative canary and primary counts since the run started and fails a worse canary', async () => {
    const evaluator = new MetricsEvaluator({ templates: () => Promise.resolve(undefined) });
    const c = canary([], {});
    c.spec.analysis = CanaryAnalysis.parse({ judge: {} });
    const result = await evaluator.evaluateDetailed(c, { ...context, runStartedAt });
    // 6 minutes: canary 11 req/s with 1/s 5xx, primary 20.2 req/s with 0.2/s 5xx.
    expect(result.observation?.canary).toMatchObject({ requests: 3960, errors: 360 });
    expect(result.observation?.primary).toMatchObject({ requests: 7272, errors: 72 });
    expect(result.observation?.canary.latency?.buckets.at(-1)).toEqual({ le: Infinity, count: 3960 });
    expect(result.judge?.verdict).toBe('fail');
    expect(result.judge?.evidence).toHaveProperty('errors');
    expect(result.judge?.state).toBeDefined();
  });

  it('reports the judge as unknown when its input cannot be read', async () => {
    const c = canary([], { metricsServer: 'http://127.0.0.1:1' });
    c.spec.analysis = CanaryAnalysis.parse({ judge: {} });
    const result = await port().evaluate(c, { ...context, runStartedAt });
    expect(result.judge).toBeUndefined();
    expect(result.checks).toEqual([
      expect.objectContaining({ name: 'judge', kind: 'judge', verdict: 'unknown' }),
    ]);
    const noStart = await port().evaluate(
      { ...c, spec: { ...c.spec, metricsServer: prometheus.url } },
      context,
    );
    expect(noStart.checks[0]?.message).toMatch(/run start is unknown/);
  });

  it('says the judge has no evidence when an arm saw no requests (an empty vector counts as none)', async () => {
    const evaluator = new MetricsEvaluator({ templates: () => Promise.resolve(undefined) });
    // "idle" serves nothing; "idle-primary" has no series at all, so Prometheus answers [].
    const c = canary([], {}, 'idle');
    c.spec.analysis = CanaryAnalysis.parse({ judge: {} });
    const result = await evaluator.evaluateDetailed(c, { ...context, runStartedAt });
    expect(result.observation?.canary.requests).toBe(0);
    expect(result.observation?.primary.requests).toBe(0);
    expect(result.judge?.verdict).toBe('continue');
    expect(result.judge?.insufficient).toMatch(/no requests on the canary or the primary/);
    const sampled = canary([], {});
    sampled.spec.analysis = CanaryAnalysis.parse({ judge: { errors: { enabled: false } } });
    const withData = await evaluator.evaluateDetailed(sampled, { ...context, runStartedAt });
    expect(withData.observation?.canary.requests).toBeGreaterThan(100);
    expect(withData.judge?.insufficient).toBeUndefined();
  });

  it('reads nothing when the judge is disabled', async () => {
    const c = canary([], { metricsServer: 'http://127.0.0.1:1' });
    c.spec.analysis = CanaryAnalysis.parse({ judge: { enabled: false } });
    const result = await port().evaluate(c, { ...context, runStartedAt });
    expect(result).toEqual({ checks: [] });
  });
});
