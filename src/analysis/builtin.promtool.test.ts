/**
 * The rendered built-in queries, unit-tested by Prometheus itself: `promtool test rules` evaluates
 * them over synthetic series (offline, no server) and compares with expected samples.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Canary } from '../api/canary.js';
import { PROMTOOL_BIN, run } from '../../test/support/prometheus-remote.js';
import { builtinTemplate, DURATION, SUCCESS_RATE } from './builtin.js';
import { renderTemplate, templateScope } from './template.js';

const canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
  },
} as Canary;

const render = (name: typeof SUCCESS_RATE | typeof DURATION, target = 'podinfo') =>
  renderTemplate(
    builtinTemplate(name),
    templateScope(
      { ...canary, spec: { ...canary.spec, targetRef: { ...canary.spec.targetRef, name: target } } },
      { interval: '1m' },
    ),
  );

const labels = (workload: string, extra: string, reporter = 'destination') =>
  `{reporter="${reporter}",destination_workload_namespace="test",destination_workload="${workload}",${extra}}`;

function ruleTest(expectations: { expr: string; samples: { labels: string; value: number }[] }[]) {
  return {
    rule_files: [],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [
          // 10 req/s OK and 1 req/s 503 for the canary, 20 req/s OK for the primary (must be ignored).
          { series: `istio_requests_total${labels('podinfo', 'response_code="200"')}`, values: '0+600x10' },
          { series: `istio_requests_total${labels('podinfo', 'response_code="503"')}`, values: '0+60x10' },
          {
            series: `istio_requests_total${labels('podinfo-primary', 'response_code="200"')}`,
            values: '0+1200x10',
          },
          // Client-side reports must not count.
          {
            series: `istio_requests_total${labels('podinfo', 'response_code="503"', 'source')}`,
            values: '0+6000x10',
          },
          // Buckets: 50% ≤ 25 ms, 90% ≤ 100 ms, 99% ≤ 250 ms, all ≤ 500 ms.
          {
            series: `istio_request_duration_milliseconds_bucket${labels('podinfo', 'le="25"')}`,
            values: '0+300x10',
          },
          {
            series: `istio_request_duration_milliseconds_bucket${labels('podinfo', 'le="100"')}`,
            values: '0+540x10',
          },
          {
            series: `istio_request_duration_milliseconds_bucket${labels('podinfo', 'le="250"')}`,
            values: '0+594x10',
          },
          {
            series: `istio_request_duration_milliseconds_bucket${labels('podinfo', 'le="500"')}`,
            values: '0+600x10',
          },
          {
            series: `istio_request_duration_milliseconds_bucket${labels('podinfo', 'le="+Inf"')}`,
            values: '0+600x10',
          },
          {
            series: `istio_request_duration_milliseconds_bucket${labels('podinfo-primary', 'le="25"')}`,
            values: '0+6000x10',
          },
          {
            series: `istio_request_duration_milliseconds_bucket${labels('podinfo-primary', 'le="+Inf"')}`,
            values: '0+6000x10',
          },
        ],
        promql_expr_test: expectations.map((e) => ({
          expr: e.expr,
          eval_time: '5m',
          exp_samples: e.samples,
        })),
      },
    ],
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serin-promtool-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function promtoolTest(name: string, content: unknown) {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, stringify(content));
  return run(PROMTOOL_BIN, ['test', 'rules', file]);
}

describe('built-in queries under promtool test rules', () => {
  it('compute the canary success rate and P99 from destination reports only', async () => {
    const result = await promtoolTest(
      'pass',
      ruleTest([
        { expr: render(SUCCESS_RATE), samples: [{ labels: '{}', value: 90.9090909090909 }] },
        { expr: render(DURATION), samples: [{ labels: '{}', value: 250 }] },
        { expr: render(SUCCESS_RATE, 'podinfo-primary'), samples: [{ labels: '{}', value: 100 }] },
        { expr: render(SUCCESS_RATE, 'nosuch'), samples: [] },
      ]),
    );
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('fails on a wrong expectation (the check can fail)', async () => {
    const result = await promtoolTest(
      'fail',
      ruleTest([{ expr: render(DURATION), samples: [{ labels: '{}', value: 249 }] }]),
    );
    expect(result.code).toBe(1);
    expect(result.output).toContain('FAILED');
  });
});
