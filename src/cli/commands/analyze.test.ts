import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../test/support/in-process-cli.js';
import {
  EXAMPLE_BUCKETS,
  FIXTURE_EVAL_TIME,
  FIXTURE_START_SECONDS,
  istioOpenMetrics,
} from '../../../test/support/istio-openmetrics.js';
import { startPrometheus, type RunningPrometheus } from '../../../test/support/prometheus-remote.js';
import { SUPPORTED_METRIC_PROVIDERS } from '../../api/capabilities.js';
import { METRIC_PROVIDER_TYPES } from '../../api/metric-template.js';
import { analyzeCommand } from '../definitions/analyze.js';

const runSerin = (args: string[]) => runCommand([analyzeCommand], args);

/** A metric backend of Flagger's enum Serin does not query (yet), if any is left. */
const UNQUERIED_BACKEND = METRIC_PROVIDER_TYPES.find((t) => !SUPPORTED_METRIC_PROVIDERS.includes(t));

let prometheus: RunningPrometheus;
let dir: string;

const CANARY = `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    maxWeight: 50
    metrics:
      - name: request-success-rate
        thresholdRange: {min: 90}
        interval: 1m
      - name: request-duration
        thresholdRange: {max: 500}
        interval: 1m
      - name: latency
        templateRef: {name: latency}
        templateVariables: {reporter: destination}
        thresholdRange: {max: 20}
`;

const TEMPLATE = `apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata: {name: latency, namespace: test}
spec:
  provider: {type: prometheus, address: "http://prometheus.istio-system:9090"}
  query: |
    histogram_quantile(0.5, sum(rate(istio_request_duration_milliseconds_bucket{reporter="{{ variables.reporter }}",destination_workload=~"{{ target }}"}[{{ interval }}])) by (le))
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serin-analyze-'));
  await writeFile(join(dir, 'canary.yaml'), CANARY);
  await writeFile(join(dir, 'template.yaml'), TEMPLATE);
  await writeFile(join(dir, 'strict.yaml'), CANARY.replace('{min: 90}', '{min: 99}'));
  await writeFile(join(dir, 'judged.yaml'), CANARY.replace('    metrics:', '    judge: {}\n    metrics:'));
  await writeFile(
    join(dir, 'nginx.yaml'),
    CANARY.replace('  service: {port: 9898}', '  provider: nginx\n  service: {port: 9898}'),
  );
  if (UNQUERIED_BACKEND !== undefined)
    await writeFile(
      join(dir, 'unqueried.yaml'),
      TEMPLATE.replace('type: prometheus', `type: ${UNQUERIED_BACKEND}`),
    );
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
        perSecondByCode: { '200': 20 },
        bucketsPerSecond: [
          ['25', 20],
          ['+Inf', 20],
        ],
      },
    ]),
  });
});
afterAll(async () => {
  await prometheus.stop();
  await rm(dir, { recursive: true, force: true });
});

const at = FIXTURE_EVAL_TIME.toISOString();

describe('serin analyze', () => {
  it('prints the rendered queries only with --dry-run, built-ins as Flagger sends them', async () => {
    const result = await runSerin([
      'analyze',
      '-f',
      join(dir, 'canary.yaml'),
      '-f',
      join(dir, 'template.yaml'),
      '--dry-run',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo" }[1m] ) ) * 100',
    );
    expect(result.stdout).toContain('reporter="destination",destination_workload=~"podinfo"}[1m])) by (le))');
    expect(result.stdout).not.toMatch(/VERDICT/);
  });

  it("analyzes a Canary whose routing provider Serin cannot run, with that provider's built-in queries", async () => {
    const result = await runSerin([
      'analyze',
      '-f',
      join(dir, 'nginx.yaml'),
      '-f',
      join(dir, 'template.yaml'),
      '--dry-run',
      '-o',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      metrics: { name: string; observer?: string; query?: string }[];
    };
    const successRate = report.metrics.find((m) => m.name === 'request-success-rate');
    expect(successRate?.observer).toBe('nginx');
    expect(successRate?.query).toContain(
      'nginx_ingress_controller_requests{ namespace="test", ingress="podinfo", canary!="", status!~"5.*" }[1m]',
    );
  });

  it("--provider stands for Flagger's -mesh-provider for Canaries without spec.provider", async () => {
    const linkerd = await runSerin([
      'analyze',
      '-f',
      join(dir, 'canary.yaml'),
      '-f',
      join(dir, 'template.yaml'),
      '--provider',
      'linkerd',
      '--dry-run',
      '-o',
      'json',
    ]);
    expect(linkerd.code).toBe(0);
    const report = JSON.parse(linkerd.stdout) as {
      metrics: { name: string; observer?: string; query?: string }[];
    };
    expect(report.metrics.find((m) => m.name === 'request-duration')).toMatchObject({ observer: 'linkerd' });
    expect(report.metrics.find((m) => m.name === 'request-duration')?.query).toContain(
      'response_latency_ms_bucket',
    );
    // A Canary's own spec.provider wins (with a default other than Linkerd, as in Flagger).
    const own = await runSerin([
      'analyze',
      '-f',
      join(dir, 'nginx.yaml'),
      '-f',
      join(dir, 'template.yaml'),
      '--provider',
      'contour',
      '--dry-run',
      '-o',
      'json',
    ]);
    expect((JSON.parse(own.stdout) as { metrics: { observer?: string }[] }).metrics[0]?.observer).toBe(
      'nginx',
    );
    const bad = await runSerin([
      'analyze',
      '-f',
      join(dir, 'canary.yaml'),
      '--provider',
      'envoy',
      '--dry-run',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--provider: expected one of apisix, appmesh');
  });

  it.skipIf(UNQUERIED_BACKEND === undefined)(
    'still refuses a metric backend Serin cannot query, naming the metric',
    async () => {
      const refused = await runSerin([
        'analyze',
        '-f',
        join(dir, 'nginx.yaml'),
        '-f',
        join(dir, 'unqueried.yaml'),
        '--dry-run',
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `Canary podinfo: spec.analysis.metrics[2].templateRef: MetricTemplate latency uses metric provider ${UNQUERIED_BACKEND ?? ''}`,
      );
    },
  );

  it('runs every check against Prometheus and prints values, bounds and verdicts', async () => {
    const result = await runSerin([
      'analyze',
      '-f',
      join(dir, 'canary.yaml'),
      '-f',
      join(dir, 'template.yaml'),
      '--prometheus',
      prometheus.url,
      '--at',
      at,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/request-success-rate\s+prometheus\s+1m\s+90\.909\s+>= 90\s+pass/);
    expect(result.stdout).toMatch(/request-duration\s+prometheus\s+1m\s+240\s+<= 500\s+pass/);
    expect(result.stdout).toMatch(/latency\s+prometheus\s+1m\s+17\.500\s+<= 20\s+pass/);
  });

  it('exits 1 when a check fails, and reports JSON with -o json', async () => {
    const result = await runSerin([
      'analyze',
      '-f',
      join(dir, 'strict.yaml'),
      '-f',
      join(dir, 'template.yaml'),
      '--prometheus',
      prometheus.url,
      '--at',
      at,
      '-o',
      'json',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      canary: string;
      metrics: { name: string; verdict: string; value: number; min?: number; query: string }[];
    };
    expect(report.canary).toBe('test/podinfo');
    expect(report.metrics[0]).toMatchObject({ name: 'request-success-rate', verdict: 'fail', min: 99 });
    expect(report.metrics[0]?.query).toContain('istio_requests_total');
  });

  it("prints the judge's evidence", async () => {
    const since = `${Math.round((FIXTURE_EVAL_TIME.getTime() / 1000 - FIXTURE_START_SECONDS - 60) / 60)}m`;
    const result = await runSerin([
      'analyze',
      '-f',
      join(dir, 'judged.yaml'),
      '-f',
      join(dir, 'template.yaml'),
      '--prometheus',
      prometheus.url,
      '--at',
      at,
      '--since',
      since,
    ]);
    expect(result.stdout).toMatch(/judge: fail: /);
    expect(result.stdout).toMatch(/evidence: \{.*"observation":\{"canary":\{"requests":4620,"errors":420/);
    expect(result.code).toBe(1);
  });

  it('explains bad input', async () => {
    expect((await runSerin(['analyze', '-f', join(dir, 'template.yaml')])).stderr).toMatch(
      /no Canary in the given files/,
    );
    expect((await runSerin(['analyze', '-f', join(dir, 'canary.yaml'), '--at', 'yesterday'])).stderr).toMatch(
      /--at: expected an RFC 3339 time/,
    );
    const missing = await runSerin([
      'analyze',
      '-f',
      join(dir, 'canary.yaml'),
      '--prometheus',
      prometheus.url,
      '--at',
      at,
    ]);
    expect(missing.stdout).toMatch(/MetricTemplate test\/latency not found/);
    expect(missing.stderr).toMatch(/1 check\(s\) could not be measured/);
  });

  it('keeps evaluating with --watch until interrupted', async () => {
    let signalled = false;
    const result = await runCommand(
      [analyzeCommand],
      [
        'analyze',
        '-f',
        join(dir, 'canary.yaml'),
        '-f',
        join(dir, 'template.yaml'),
        '--prometheus',
        prometheus.url,
        '--at',
        at,
        '--watch',
      ],
      (stdout) => {
        if (!signalled && stdout.includes('latency (prometheus')) {
          signalled = true;
          setTimeout(() => process.emit('SIGINT'), 10);
        }
      },
    );
    expect(signalled).toBe(true);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/request-success-rate\s+prometheus\s+1m\s+90\.909/);
  });
});
