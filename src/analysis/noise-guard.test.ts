import { describe, expect, it } from 'vitest';
import { distancePast, guardOutcome, sameDegree } from './noise-guard.js';

describe('sameDegree', () => {
  it.each([
    // [canary, primary, bounds, shared]
    [952, 948, { max: 250 }, true], // the demo on a loaded machine: both slow alike
    [952, 700, { max: 250 }, false], // canary 702 past the bound, primary 450: canary worse
    [1500, 948, { max: 250 }, false],
    [300, 200, { max: 250 }, false], // the primary passes
    [98.8, 98.9, { min: 99 }, true], // success rate a hair below, both
    [89, 98.5, { min: 99 }, false], // 11% errors against 1.5%
    [Number.NaN, 948, { max: 250 }, false],
  ])('canary %s, primary %s against %o: %s', (canary, primary, bounds, shared) => {
    expect(sameDegree(canary, primary, bounds)).toBe(shared);
  });

  it('allows the canary 10% more distance past the bound than the primary, plus 1% of the bound', () => {
    // primary 100 past max 1000, slack 10: the canary may be up to 120 past
    expect(sameDegree(1120, 1100, { max: 1000 })).toBe(true);
    expect(sameDegree(1121, 1100, { max: 1000 })).toBe(false);
    expect(distancePast(1121, { max: 1000 })).toBe(121);
  });
});

describe('guardOutcome', () => {
  it('names both values in the reason', () => {
    const failed = {
      name: 'request-duration',
      kind: 'metric' as const,
      verdict: 'fail' as const,
      value: 952,
      max: 250,
      message: 'request-duration 952 above bounds (max 250)',
    };
    const outcome = guardOutcome(failed, 948, { max: 250 });
    expect(outcome).toMatchObject({ verdict: 'environmental', value: 952, primaryValue: 948 });
    expect(outcome.message).toBe(
      'request-duration 952 above bounds (max 250); the primary fails it alike in the same window (primary 948; past the bound by 702 (canary) and 698 (primary)): environmental, not the canary',
    );
  });
});
