/**
 * Statistical guarantees, checked over many seeded simulated canaries. The bounds are α plus three
 * binomial standard deviations: a judge whose false-failure rate really exceeds α fails them (the
 * naive repeated test below shows the harness catches exactly that).
 */
import { describe, expect, it } from 'vitest';
import { normalQuantile } from './math.js';
import { Random } from './sim/random.js';
import type { JudgeSpecInput } from './schema.js';
import { simulateJudge, type LatencyInput } from './sim/run.js';
import {
  accumulate,
  EMPTY_ARM,
  healthyScenario,
  simulateTraffic,
  type TrafficScenario,
} from './sim/traffic.js';

const ALPHA = 0.05;
const bound = (runs: number) => ALPHA + 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / runs);

function regressed(weight: number, errorFactor: number, latencyFactor: number): TrafficScenario {
  const s = healthyScenario(weight);
  return {
    ...s,
    canary: {
      ...s.canary,
      errorRate: s.canary.errorRate * errorFactor,
      latencyMedianMs: s.canary.latencyMedianMs * latencyFactor,
    },
  };
}

function failureTimes(
  seed: number,
  runs: number,
  scenario: TrafficScenario,
  horizonSeconds = 900,
  latencyInput: LatencyInput = 'moments',
  spec: JudgeSpecInput = {},
) {
  const rng = new Random(seed);
  return Array.from(
    { length: runs },
    () => simulateJudge(rng, scenario, { alpha: ALPHA, ...spec }, { horizonSeconds, latencyInput }).failedAt,
  );
}

const rate = (xs: (number | null)[]) => xs.filter((x) => x !== null).length / xs.length;
const median = (xs: (number | null)[]) => {
  const sorted = xs.map((x) => x ?? Infinity).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Infinity;
};

describe('false failures of a healthy canary stay at or below α', () => {
  it.each([0.05, 0.1, 0.2, 0.5])('at weight %s over 15 minutes of scrapes', (weight) => {
    const runs = 250;
    const fails = failureTimes(1000 + weight * 100, runs, healthyScenario(weight));
    expect(rate(fails)).toBeLessThanOrEqual(bound(runs));
  });

  it('with latency from Istio histogram buckets', () => {
    const runs = 300;
    const fails = failureTimes(77, runs, healthyScenario(0.2), 600, 'histogram');
    expect(rate(fails)).toBeLessThanOrEqual(bound(runs));
  });

  it('with only Prometheus _sum and _count for latency', () => {
    const runs = 300;
    expect(rate(failureTimes(78, runs, healthyScenario(0.1), 900, 'sum'))).toBeLessThanOrEqual(bound(runs));
  });

  it('with the per-request variance model', () => {
    const runs = 250;
    const fails = failureTimes(79, runs, healthyScenario(0.2), 900, 'moments', {
      latency: { variance: 'requests' },
    });
    expect(rate(fails)).toBeLessThanOrEqual(bound(runs));
  });

  it('when requests within a window are correlated, with the default windows model only', () => {
    // Each arm's latency shifts by N(0, 5%) per window (a busy node, a GC pause), on both arms alike.
    const base = healthyScenario(0.2);
    const correlated = {
      ...base,
      primary: { ...base.primary, latencyWindowJitter: 0.05 },
      canary: { ...base.canary, latencyWindowJitter: 0.05 },
    };
    const runs = 250;
    expect(rate(failureTimes(80, runs, correlated))).toBeLessThanOrEqual(bound(runs));
    // The per-request model takes the shared shifts for evidence: this is why it is not the default.
    const naive = failureTimes(80, runs, correlated, 900, 'moments', { latency: { variance: 'requests' } });
    expect(rate(naive)).toBeGreaterThan(bound(runs));
  });

  it('while a naive test repeated at every scrape exceeds the bound (the check has teeth)', () => {
    const rng = new Random(5);
    const runs = 250;
    const z = normalQuantile(1 - ALPHA);
    let falseFailures = 0;
    for (let run = 0; run < runs; run++) {
      let c = EMPTY_ARM;
      let p = EMPTY_ARM;
      for (const w of simulateTraffic(rng, healthyScenario(0.2), 10, 900)) {
        c = accumulate(c, w.canary);
        p = accumulate(p, w.primary);
        const pooled = (c.errors + p.errors) / (c.requests + p.requests);
        const se = Math.sqrt(pooled * (1 - pooled) * (1 / c.requests + 1 / p.requests));
        if (se > 0 && (c.errors / c.requests - p.errors / p.requests) / se > z) {
          falseFailures++;
          break;
        }
      }
    }
    expect(falseFailures / runs).toBeGreaterThan(bound(runs));
  });
});

describe('regressions are caught quickly', () => {
  it('5x error rate at 10% weight and 100 req/s: caught in 95% of runs, half of them within a minute', () => {
    const fails = failureTimes(21, 200, regressed(0.1, 5, 1));
    expect(rate(fails)).toBeGreaterThanOrEqual(0.95);
    expect(median(fails)).toBeLessThanOrEqual(60);
  });

  it('+30% latency at 10% weight: caught in 99% of runs within two minutes', () => {
    const fails = failureTimes(22, 200, regressed(0.1, 1, 1.3), 120);
    expect(rate(fails)).toBeGreaterThanOrEqual(0.99);
  });

  it('+20% latency seen only through _sum and _count: caught in 95% of runs within three minutes', () => {
    const fails = failureTimes(24, 100, regressed(0.1, 1, 1.2), 180, 'sum');
    expect(rate(fails)).toBeGreaterThanOrEqual(0.95);
  });

  it('+30% latency seen only through Istio histogram buckets: caught in 95% of runs within five minutes', () => {
    const fails = failureTimes(23, 100, regressed(0.1, 1, 1.3), 300, 'histogram');
    expect(rate(fails)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('pass-early', () => {
  it('lets a healthy canary through early and never a regressed one', () => {
    const rng = new Random(31);
    const spec = { errors: { margin: 2 }, latency: { margin: '10%' } };
    const healthy = {
      ...healthyScenario(0.5),
      primary: { ...healthyScenario(0.5).primary, errorRate: 0.02 },
    };
    healthy.canary = { ...healthy.primary };
    const outcomes = Array.from({ length: 100 }, () =>
      simulateJudge(rng, healthy, spec, { horizonSeconds: 900, stopOnPassEarly: true }),
    );
    expect(outcomes.filter((o) => o.passedEarlyAt !== null).length).toBeGreaterThanOrEqual(90);
    const bad = { ...healthy, canary: { ...healthy.canary, errorRate: 0.06 } };
    const badOutcomes = Array.from({ length: 100 }, () =>
      simulateJudge(rng, bad, spec, { horizonSeconds: 900 }),
    );
    expect(badOutcomes.filter((o) => o.passedEarlyAt !== null)).toHaveLength(0);
    expect(badOutcomes.filter((o) => o.failedAt !== null).length).toBeGreaterThanOrEqual(95);
  });
});
