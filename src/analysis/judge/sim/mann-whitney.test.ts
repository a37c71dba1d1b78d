import { describe, expect, it } from 'vitest';
import { kayentaHigh, mannWhitneyGreater } from './mann-whitney.js';

describe('Mann–Whitney U', () => {
  it('matches scipy.stats.mannwhitneyu(x, y, alternative="greater", method="asymptotic")', () => {
    // Reference values computed with SciPy 1.17 (tie and continuity corrections on).
    const x = [1.83, 1.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = mannWhitneyGreater(x, y);
    expect(r.u).toBe(65);
    expect(r.pValue).toBeCloseTo(0.016942303033399483, 6);
    // Heavy ties.
    const tied = mannWhitneyGreater([3, 3, 4, 5, 5, 5, 7, 1], [1, 2, 3, 3, 3, 4, 2]);
    expect(tied.u).toBe(44);
    expect(tied.pValue).toBeCloseTo(0.03298344716536194, 6);
  });

  it('is symmetric and handles all-tied samples', () => {
    const a = [1, 2, 3, 4];
    const b = [2.5, 3.5, 5, 6, 7];
    expect(mannWhitneyGreater(a, b).u + mannWhitneyGreater(b, a).u).toBe(a.length * b.length);
    expect(mannWhitneyGreater([0, 0, 0], [0, 0]).pValue).toBe(1);
  });

  it('calls a clearly higher canary series High and an equal one not', () => {
    const primary = Array.from({ length: 50 }, (_, i) => 100 + (i % 7));
    expect(
      kayentaHigh(
        primary.map((v) => v + 10),
        primary,
      ),
    ).toBe(true);
    expect(kayentaHigh(primary, primary)).toBe(false);
  });
});
