import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateErrorTest,
  initialErrorTestState,
  priorConcentration,
  updateErrorTest,
  type ErrorTestConfig,
  type ErrorWindow,
} from './errors.js';
import { logBeta, logGamma } from './math.js';

const config: ErrorTestConfig = { minIncrease: 1.5, margin: 1.5 };

function logBf(windows: ErrorWindow[], cfg = config): number {
  let state = initialErrorTestState();
  for (const w of windows) state = updateErrorTest(state, w, cfg);
  return evaluateErrorTest(state, cfg).logBayesFactor;
}

/** Window with `errors` errors split canary/primary and requests split by `rho`. */
function window(canaryErrors: number, primaryErrors: number, rho: number): ErrorWindow {
  return { canaryRequests: rho * 10_000, primaryRequests: (1 - rho) * 10_000, canaryErrors, primaryErrors };
}

const logChoose = (n: number, k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
const binomialPmf = (n: number, k: number, p: number) =>
  Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));

describe('error-count Bayes factor', () => {
  it('has expectation exactly 1 under the null for one window (a martingale step)', () => {
    for (const rho of [0.05, 0.1, 0.3, 0.5, 0.8]) {
      for (const errors of [1, 5, 30]) {
        let expectation = 0;
        for (let k = 0; k <= errors; k++)
          expectation += binomialPmf(errors, k, rho) * Math.exp(logBf([window(k, errors - k, rho)]));
        expect(expectation).toBeCloseTo(1, 9);
      }
    }
  });

  it('keeps expectation 1 across windows whose traffic split changes', () => {
    const [n1, n2, rho1, rho2] = [6, 8, 0.1, 0.4];
    let expectation = 0;
    for (let k1 = 0; k1 <= n1; k1++)
      for (let k2 = 0; k2 <= n2; k2++)
        expectation +=
          binomialPmf(n1, k1, rho1) *
          binomialPmf(n2, k2, rho2) *
          Math.exp(logBf([window(k1, n1 - k1, rho1), window(k2, n2 - k2, rho2)]));
    expect(expectation).toBeCloseTo(1, 9);
  });

  it('is conservative when errors are hypergeometric (finite requests per window)', () => {
    // 40 canary and 160 primary requests, 12 errors among them chosen uniformly: the exact null law.
    const [canary, total, errors] = [40, 200, 12];
    let expectation = 0;
    for (let k = 0; k <= errors; k++) {
      const p = Math.exp(
        logChoose(canary, k) + logChoose(total - canary, errors - k) - logChoose(total, errors),
      );
      expectation +=
        p *
        Math.exp(
          logBf([
            {
              canaryRequests: canary,
              primaryRequests: total - canary,
              canaryErrors: k,
              primaryErrors: errors - k,
            },
          ]),
        );
    }
    expect(expectation).toBeLessThanOrEqual(1 + 1e-12);
    expect(expectation).toBeGreaterThan(0.9);
  });

  it('matches the continuous one-sided beta-binomial Bayes factor at an even split', () => {
    const a = priorConcentration(config.minIncrease);
    for (const [xc, xp] of [
      [10, 4],
      [25, 15],
      [3, 9],
      [40, 20],
    ] as const) {
      // 2·B(a+xc, a+xp)/B(a, a) · P(θ > ½ | Beta(a+xc, a+xp)) / ½^(xc+xp), the tail by Simpson's rule.
      const post = (t: number) =>
        Math.exp((a + xc - 1) * Math.log(t) + (a + xp - 1) * Math.log1p(-t) - logBeta(a + xc, a + xp));
      const steps = 2000;
      const h = 0.5 / steps;
      let tail = post(0.5) + post(1 - 1e-12);
      for (let i = 1; i < steps; i++) tail += (i % 2 === 1 ? 4 : 2) * post(0.5 + i * h);
      tail *= h / 3;
      const expected =
        Math.log(2) + logBeta(a + xc, a + xp) - logBeta(a, a) + Math.log(tail) + (xc + xp) * Math.log(2);
      expect(Math.abs(logBf([window(xc, xp, 0.5)]) - expected)).toBeLessThan(0.02);
    }
  });

  it('grows with canary errors and shrinks with primary errors (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (canaryErrors, primaryErrors, rho) => {
          const base = logBf([window(canaryErrors, primaryErrors, rho)]);
          expect(Number.isFinite(base)).toBe(true);
          expect(Math.exp(base)).toBeGreaterThanOrEqual(0);
          expect(logBf([window(canaryErrors + 1, primaryErrors, rho)])).toBeGreaterThan(base);
          expect(logBf([window(canaryErrors, primaryErrors + 1, rho)])).toBeLessThan(base);
        },
      ),
    );
  });

  it('moves the non-inferiority factor the other way', () => {
    const evaluate = (xc: number, xp: number) => {
      const s = updateErrorTest(initialErrorTestState(), window(xc, xp, 0.2), config);
      return evaluateErrorTest(s, config).logNonInferiorityBayesFactor;
    };
    expect(evaluate(0, 100)).toBeGreaterThan(evaluate(10, 100));
    expect(evaluate(0, 100)).toBeGreaterThan(Math.log(40));
    expect(evaluate(40, 100)).toBeLessThan(0);
  });

  it('ignores windows that carry no information about the split', () => {
    const s0 = initialErrorTestState();
    expect(
      updateErrorTest(
        s0,
        { canaryRequests: 0, primaryRequests: 50, canaryErrors: 0, primaryErrors: 3 },
        config,
      ),
    ).toBe(s0);
    expect(
      updateErrorTest(
        s0,
        { canaryRequests: 10, primaryRequests: 50, canaryErrors: 0, primaryErrors: 0 },
        config,
      ),
    ).toBe(s0);
  });

  it('needs few errors for a large regression and many for a small one', () => {
    // 5x at a 10% split: canary share of errors 5·0.1/(5·0.1 + 0.9) ≈ 0.36.
    expect(logBf([window(18, 32, 0.1)])).toBeGreaterThan(Math.log(40));
    expect(logBf([window(7, 43, 0.1)])).toBeLessThan(Math.log(40));
  });
});
