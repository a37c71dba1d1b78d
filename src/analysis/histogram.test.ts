import { describe, expect, it } from 'vitest';
import { histogramQuantile } from './histogram.js';

const inf = Number.POSITIVE_INFINITY;

describe('histogramQuantile (Prometheus semantics)', () => {
  it('interpolates linearly inside the bucket holding the rank', () => {
    const buckets = [
      { le: 5, count: 2 },
      { le: 10, count: 4 },
      { le: 25, count: 7 },
      { le: 50, count: 9 },
      { le: 100, count: 10 },
      { le: 250, count: 10.95 },
      { le: 500, count: 11 },
      { le: inf, count: 11 },
    ];
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(100 + (150 * 0.89) / 0.95, 10);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(17.5, 10);
  });

  it('starts the first bucket at 0 and answers the last finite bound for the +Inf bucket', () => {
    expect(
      histogramQuantile(0.5, [
        { le: 10, count: 4 },
        { le: inf, count: 4 },
      ]),
    ).toBe(5);
    expect(
      histogramQuantile(0.99, [
        { le: 10, count: 1 },
        { le: inf, count: 10 },
      ]),
    ).toBe(10);
  });

  it('is NaN without observations or without a +Inf bucket', () => {
    expect(
      histogramQuantile(0.99, [
        { le: 10, count: 0 },
        { le: inf, count: 0 },
      ]),
    ).toBeNaN();
    expect(
      histogramQuantile(0.99, [
        { le: 10, count: 3 },
        { le: 20, count: 4 },
      ]),
    ).toBeNaN();
  });

  it('sorts buckets and repairs decreasing counts', () => {
    const shuffled = [
      { le: inf, count: 10 },
      { le: 10, count: 5 },
      { le: 20, count: 4 },
    ];
    expect(histogramQuantile(0.5, shuffled)).toBe(10);
  });
});
