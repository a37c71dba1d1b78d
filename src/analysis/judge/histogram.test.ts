import { describe, expect, it } from 'vitest';
import { histogramIncrease, histogramQuantile, momentsFromHistogram } from './histogram.js';

const buckets = [
  { le: 50, count: 10 },
  { le: 100, count: 60 },
  { le: 250, count: 95 },
  { le: Infinity, count: 100 },
];

describe('histogram buckets', () => {
  it('places each observation at its bucket geometric midpoint', () => {
    const m = momentsFromHistogram(buckets);
    expect(m.count).toBe(100);
    const expected =
      10 * Math.log(25) +
      50 * Math.log(Math.sqrt(5000)) +
      35 * Math.log(Math.sqrt(25000)) +
      5 * Math.log(500);
    expect(m.sumLog).toBeCloseTo(expected, 9);
  });

  it('estimates quantiles like histogram_quantile', () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(50 + (50 * 40) / 50, 9);
    expect(histogramQuantile(0.9, buckets)).toBeCloseTo(100 + (150 * 30) / 35, 9);
    expect(histogramQuantile(0.99, buckets)).toBe(250);
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeNaN();
  });

  it('accepts buckets in any order and subtracts an earlier histogram', () => {
    const later = [...buckets].reverse();
    const earlier = buckets.map((b) => ({ le: b.le, count: Math.floor(b.count / 2) }));
    expect(histogramIncrease(later, earlier).map((b) => b.count)).toEqual([5, 30, 48, 50]);
  });

  it('names the bad bucket', () => {
    expect(() =>
      momentsFromHistogram([
        { le: 10, count: 5 },
        { le: 20, count: 3 },
      ]),
    ).toThrow(/buckets\[1\]\.count: expected cumulative counts that never decrease/);
    expect(() => momentsFromHistogram([{ le: -1, count: 5 }])).toThrow(
      /buckets\[0\]\.le: expected a positive bound/,
    );
  });
});
