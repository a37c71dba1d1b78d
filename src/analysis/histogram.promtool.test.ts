/**
 * Serin's histogram_quantile (used for the local router's P99) against Prometheus' own: random
 * classic histograms go into one `promtool test rules` file whose expected values are computed
 * by Serin; promtool fails the file if any differs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PROMTOOL_BIN, run } from '../../test/support/prometheus-remote.js';
import { histogramQuantile } from './histogram.js';

const BOUNDS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

const histogram = fc.record({
  bounds: fc.subarray(BOUNDS, { minLength: 1 }),
  increments: fc.array(fc.nat({ max: 50 }), { minLength: BOUNDS.length + 1, maxLength: BOUNDS.length + 1 }),
  q: fc.constantFrom(0.5, 0.9, 0.95, 0.99, 0.999),
});

interface Case {
  buckets: { le: number; count: number }[];
  q: number;
}

function toCase(h: { bounds: number[]; increments: number[]; q: number }): Case {
  let running = 0;
  const les = [...h.bounds, Number.POSITIVE_INFINITY];
  const buckets = les.map((le, i) => ({ le, count: (running += h.increments[i] ?? 0) }));
  // At least one observation, or the answer is NaN, which promtool cannot compare.
  buckets[buckets.length - 1]!.count += 1;
  return { buckets, q: h.q };
}

async function promtool(cases: Case[], expected: (c: Case) => number) {
  const dir = await mkdtemp(join(tmpdir(), 'serin-hq-'));
  const file = join(dir, 'quantiles.yml');
  const input_series = cases.flatMap((c, i) =>
    c.buckets.map((b) => ({
      series: `h_bucket{case="${i}",le="${b.le === Infinity ? '+Inf' : b.le}"}`,
      values: `${b.count}x3`,
    })),
  );
  const promql_expr_test = cases.map((c, i) => ({
    expr: `histogram_quantile(${c.q}, sum by (le) (h_bucket{case="${i}"}))`,
    eval_time: '1m',
    exp_samples: [{ labels: '{}', value: expected(c) }],
  }));
  await writeFile(
    file,
    stringify({
      rule_files: [],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series, promql_expr_test }],
    }),
  );
  try {
    return await run(PROMTOOL_BIN, ['test', 'rules', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('histogramQuantile matches Prometheus', () => {
  const cases = fc.sample(histogram, { seed: 20260101, numRuns: 60 }).map(toCase);

  it('on 60 random histograms', async () => {
    const result = await promtool(cases, (c) => histogramQuantile(c.q, c.buckets));
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('and the comparison can fail', async () => {
    const result = await promtool(cases.slice(0, 3), (c) => histogramQuantile(c.q, c.buckets) + 1);
    expect(result.code).toBe(1);
  });
});
