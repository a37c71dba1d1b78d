import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

function meanAndVariance(draw: () => number, n: number): [number, number] {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / n;
  return [mean, squares / n - mean * mean];
}

describe('seeded samplers', () => {
  it('repeats itself for a seed and differs across seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xs);
  });

  it.each([
    ['poisson(3)', (r: Random) => r.poisson(3), 3, 3],
    ['poisson(250)', (r: Random) => r.poisson(250), 250, 250],
    ['binomial(40, 0.1)', (r: Random) => r.binomial(40, 0.1), 4, 3.6],
    ['binomial(1000, 0.7)', (r: Random) => r.binomial(1000, 0.7), 700, 210],
    ['gamma(0.5)', (r: Random) => r.gamma(0.5), 0.5, 0.5],
    ['gamma(7)', (r: Random) => r.gamma(7), 7, 7],
    ['normal', (r: Random) => r.normal(), 0, 1],
    ['beta(2, 5)', (r: Random) => r.beta(2, 5), 2 / 7, 10 / (49 * 8)],
  ] as const)('%s has the right mean and variance', (_name, draw, mean, variance) => {
    const rng = new Random(1234);
    const n = 40_000;
    const [m, v] = meanAndVariance(() => draw(rng), n);
    // Five standard errors of the mean; the variance within 5%.
    expect(Math.abs(m - mean)).toBeLessThan(5 * Math.sqrt(variance / n));
    expect(Math.abs(v / variance - 1)).toBeLessThan(0.05);
  });
});
