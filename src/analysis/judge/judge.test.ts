import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJudge } from './judge.js';
import type { JudgeObservation } from './observation.js';
import { JudgeSpec } from './schema.js';
import { Random } from './sim/random.js';

/** Cumulative observation with latency moments from `n` requests at a fixed geometric mean and spread. */
function arm(requests: number, errors: number, geoMeanMs?: number, sigma = 0.3) {
  if (geoMeanMs === undefined) return { requests, errors };
  const mu = Math.log(geoMeanMs);
  return {
    requests,
    errors,
    latency: { count: requests, sumLog: requests * mu, sumLogSquares: requests * (mu * mu + sigma * sigma) },
  };
}

describe('JudgeSpec', () => {
  it('fills every default from an empty object', () => {
    expect(JudgeSpec.parse({})).toEqual({
      enabled: true,
      alpha: 0.05,
      minSample: { requests: 100 },
      errors: { enabled: true, minIncrease: 1.5, margin: 1.5 },
      latency: { enabled: true, minIncrease: '10%', margin: '10%', variance: 'windows' },
    });
  });

  it.each([
    [{ alpha: 2 }, 'alpha', /alpha in \(0, 0.5\]/],
    [{ errors: { minIncrease: 0.9 } }, 'errors.minIncrease', /greater than 1/],
    [{ latency: { margin: 'ten' } }, 'latency.margin', /10% or 25ms/],
    [{ latency: { minIncrease: '0ms' } }, 'latency.minIncrease', /greater than 0/],
    [{ minSample: { requests: -1 } }, 'minSample.requests', /0 or more/],
    [{ error: {} }, '', /error/],
  ])('rejects %j naming %s', (input, path, message) => {
    const result = JudgeSpec.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path.join('.')).toBe(path);
    expect(issue?.message).toMatch(message);
  });
});

describe('createJudge', () => {
  it('waits for the minimum sample before deciding anything', () => {
    const judge = createJudge({ minSample: { requests: 200 } });
    const d = judge.observe({ canary: arm(150, 150), primary: arm(1350, 0) });
    expect(d.verdict).toBe('continue');
    expect(d.reason).toBe('waiting for 200 requests on each arm (canary 150, primary 1350)');
    expect(d.evidence.errors?.bayesFactor).toBeGreaterThan(1e6);
  });

  it('fails on an error-rate regression with a reason and the evidence', () => {
    const judge = createJudge({ latency: { enabled: false } });
    const d = judge.observe({ canary: arm(1000, 51), primary: arm(9000, 90) });
    expect(d.verdict).toBe('fail');
    expect(d.reason).toMatch(/^canary error rate 5\.1% vs primary 1\.0% \(Bayes factor \S+ ≥ 20\)$/);
    expect(d.evidence.errors).toMatchObject({
      threshold: 20,
      canaryErrors: 51,
      canaryRequests: 1000,
      primaryErrors: 90,
      primaryRequests: 9000,
    });
    expect(d.evidence.errors?.rateRatio).toBeCloseTo(5.1, 6);
    expect(d.evidence.latency).toBeUndefined();
  });

  it('splits α between the two tests', () => {
    const d = createJudge({}).observe({ canary: arm(1000, 10, 100), primary: arm(9000, 90, 100) });
    expect(d.evidence.errors?.threshold).toBe(40);
    expect(d.evidence.latency?.threshold).toBe(40);
  });

  it('fails on a latency regression and reports the effect in milliseconds', () => {
    const judge = createJudge({ errors: { enabled: false }, latency: { variance: 'requests' } });
    const d = judge.observe({ canary: arm(1000, 0, 112), primary: arm(9000, 0, 100) });
    expect(d.verdict).toBe('fail');
    const l = d.evidence.latency;
    expect(l?.effectMs).toBeCloseTo(12, 6);
    expect(l?.primaryMs).toBeCloseTo(100, 6);
    expect(l?.lowerMs).toBeGreaterThan(0);
    expect(l?.upperMs).toBeGreaterThan(12);
    expect(d.reason).toMatch(
      /^canary is 12 ms ± \S+ ms slower than primary \(112 ms vs 100 ms typical; mSPRT \S+ ≥ 20\)$/,
    );
  });

  it('with the default windows model, learns the spread over windows before failing a slower canary', () => {
    const judge = createJudge({ errors: { enabled: false } });
    const rng = new Random(4);
    const c = { requests: 0, errors: 0, latency: { count: 0, sumMs: 0 } };
    const p = { requests: 0, errors: 0, latency: { count: 0, sumMs: 0 } };
    const decisions = Array.from({ length: 12 }, () => {
      c.requests += 100;
      p.requests += 900;
      c.latency = { count: c.requests, sumMs: c.latency.sumMs + 100 * 130 * Math.exp(0.05 * rng.normal()) };
      p.latency = { count: p.requests, sumMs: p.latency.sumMs + 900 * 100 * Math.exp(0.02 * rng.normal()) };
      return judge.observe({ canary: { ...c }, primary: { ...p } });
    });
    expect(decisions[0]?.evidence.latency?.upperMs).toBeNull();
    expect(decisions[0]?.reason).toMatch(/canary \S+ ms \(interval not bounded yet\) slower$/);
    const failed = decisions.findIndex((d) => d.verdict === 'fail');
    expect(failed).toBeGreaterThan(0);
    const evidence = decisions[failed]?.evidence.latency;
    expect(evidence?.lowerMs).toBeGreaterThan(0);
    expect(evidence?.effectMs).toBeGreaterThan(20);
    expect(evidence?.effectMs).toBeLessThan(40);
  });

  it('keeps failing once failed, even if later data looks fine', () => {
    const judge = createJudge({ latency: { enabled: false } });
    const first = judge.observe({ canary: arm(1000, 60), primary: arm(9000, 90) });
    expect(first.verdict).toBe('fail');
    const later = judge.observe({ canary: arm(100_000, 61), primary: arm(900_000, 9000) });
    expect(later.verdict).toBe('fail');
    expect(later.reason).toBe(first.reason);
  });

  it('passes early once both tests exclude a regression beyond the margins', () => {
    const judge = createJudge({ errors: { margin: 2 }, latency: { variance: 'requests' } });
    const d = judge.observe({ canary: arm(50_000, 500, 100), primary: arm(50_000, 500, 100) });
    expect(d.verdict).toBe('pass-early');
    expect(d.reason).toMatch(
      /^no regression beyond the margins: error-rate ratio below 2× .*; latency at most .* slower \(margin 10 ms\)$/,
    );
  });

  it('does not pass early on latency alone while the error test has no evidence', () => {
    const d = createJudge({}).observe({ canary: arm(50_000, 0, 100), primary: arm(50_000, 0, 100) });
    expect(d.verdict).toBe('continue');
    expect(d.reason).toMatch(/^no decision yet: errors Bayes factor 1 \(fails at 40\); latency mSPRT/);
  });

  it('treats a counter that went down as reset, like Prometheus does', () => {
    const judge = createJudge({ latency: { enabled: false } });
    judge.observe({ canary: arm(500, 2), primary: arm(4500, 20) });
    const afterReset = judge.observe({ canary: arm(100, 0), primary: arm(5000, 22) });
    // 500 before the reset plus 100 after it; the primary grew from 4500 to 5000.
    expect(afterReset.evidence.errors?.canaryRequests).toBe(600);
    expect(afterReset.evidence.errors?.primaryRequests).toBe(5000);
    expect(judge.state().latest.canary).toEqual({ requests: 100, errors: 0 });
    expect(judge.state().totals.canary).toEqual({ requests: 600, errors: 2 });
  });

  it('accepts Istio histogram buckets for latency', () => {
    const buckets = (shift: number) => [
      { le: 50, count: 10 * shift },
      { le: 100, count: 500 },
      { le: 250, count: 900 },
      { le: Infinity, count: 1000 },
    ];
    const d = createJudge({ errors: { enabled: false }, latency: { variance: 'requests' } }).observe({
      canary: { requests: 1000, errors: 0, latency: { buckets: buckets(1) } },
      primary: { requests: 1000, errors: 0, latency: { buckets: buckets(20) } },
    });
    expect(d.evidence.latency?.effectMs).toBeGreaterThan(0);
    expect(d.evidence.latency?.quantiles).toEqual({
      canaryP50Ms: 100,
      canaryP99Ms: 250,
      primaryP50Ms: 50 + (50 * 300) / 300,
      primaryP99Ms: 250,
    });
  });

  it.each([
    [{ canary: arm(10, 11), primary: arm(10, 0) }, /^canary\.errors: 11 errors cannot exceed 10 requests$/],
    [
      { canary: arm(10, 0), primary: { requests: -1, errors: 0 } },
      /^primary\.requests: expected a finite count/,
    ],
    [
      {
        canary: {
          requests: 5,
          errors: 0,
          latency: {
            buckets: [
              { le: 1, count: 3 },
              { le: 2, count: 1 },
            ],
          },
        },
        primary: arm(5, 0),
      },
      /^canary\.latency\.buckets\[1\]\.count/,
    ],
    [{ canary: arm(10, 0) }, /^primary: expected \{requests, errors, latency\?\}$/],
  ])('rejects a malformed observation with the field named (%#)', (observation, message) => {
    expect(() => createJudge({}).observe(observation as JudgeObservation)).toThrow(message);
  });

  it('rejects a malformed spec naming the field', () => {
    expect(() => createJudge({ latency: { variance: 'pods' } } as never)).toThrow(
      /^invalid judge spec at latency\.variance: expected windows or requests$/,
    );
  });

  it('rejects a malformed persisted state naming the field', () => {
    const state = createJudge({}).state();
    expect(() => createJudge({}, { ...state, errors: { ...state.errors, regression: [1, 2] } })).toThrow(
      /^invalid judge state at errors\.regression: /,
    );
  });

  it('reports the judge as disabled', () => {
    const d = createJudge({ enabled: false }).observe({ canary: arm(1000, 900), primary: arm(1000, 0) });
    expect(d).toEqual({ verdict: 'continue', reason: 'judge disabled', evidence: {} });
  });
});

describe('state persistence (property)', () => {
  const scrape = fc.record({
    canaryRequests: fc.integer({ min: 0, max: 400 }),
    canaryErrorShare: fc.double({ min: 0, max: 0.2, noNaN: true }),
    primaryRequests: fc.integer({ min: 0, max: 2000 }),
    primaryErrorShare: fc.double({ min: 0, max: 0.05, noNaN: true }),
    canaryLogMs: fc.double({ min: 3, max: 6, noNaN: true }),
    primaryLogMs: fc.double({ min: 3, max: 6, noNaN: true }),
  });

  it('a judge restored from its JSON state decides exactly like one that never stopped', () => {
    fc.assert(
      fc.property(fc.array(scrape, { minLength: 1, maxLength: 25 }), fc.nat(), (scrapes, cut) => {
        const observations: JudgeObservation[] = [];
        const total = { c: arm(0, 0, 1), p: arm(0, 0, 1) };
        for (const s of scrapes) {
          const add = (a: typeof total.c, requests: number, share: number, logMs: number) => {
            const errors = Math.floor(requests * share);
            const l = a.latency!;
            return {
              requests: a.requests + requests,
              errors: a.errors + errors,
              latency: {
                count: l.count + requests,
                sumLog: l.sumLog + requests * logMs,
                sumLogSquares: l.sumLogSquares + requests * (logMs * logMs + 0.04),
              },
            };
          };
          total.c = add(total.c, s.canaryRequests, s.canaryErrorShare, s.canaryLogMs);
          total.p = add(total.p, s.primaryRequests, s.primaryErrorShare, s.primaryLogMs);
          observations.push({ canary: total.c, primary: total.p });
        }
        const at = cut % observations.length;
        const straight = createJudge({ minSample: { requests: 0 } });
        const first = createJudge({ minSample: { requests: 0 } });
        observations.slice(0, at).forEach((o) => first.observe(o));
        const restored = createJudge(
          { minSample: { requests: 0 } },
          JSON.parse(JSON.stringify(first.state())),
        );
        const expected = observations.map((o) => straight.observe(o)).slice(at);
        const actual = observations.slice(at).map((o) => restored.observe(o));
        expect(actual).toEqual(expected);
        expect(JSON.parse(JSON.stringify(restored.state()))).toEqual(straight.state());
      }),
      { numRuns: 150 },
    );
  });
});
