import { describe, expect, it } from 'vitest';
import {
  evaluateLatencyTest,
  initialLatencyTestState,
  updateLatencyTest,
  windowLatency,
  type WindowLatency,
} from './latency.js';
import { Random } from './sim/random.js';

function moments(values: number[]): WindowLatency {
  const logs = values.map((v) => Math.log(v));
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  return { count: logs.length, meanLog: mean, withinSquares: logs.reduce((a, b) => a + (b - mean) ** 2, 0) };
}

const tau = () => 0.1;

describe('log-latency mSPRT', () => {
  it('reports nothing before the first window', () => {
    expect(evaluateLatencyTest(initialLatencyTestState(), 0.05)).toBeNull();
    const zero = { count: 0, sumLog: 0, sumLogSquares: 0, sumMs: null };
    expect(windowLatency(zero, zero)).toBeNull();
    expect(
      windowLatency(
        { count: 3, sumLog: null, sumLogSquares: null, sumMs: 300 },
        { ...zero, sumLog: null, sumLogSquares: null, sumMs: 0 },
      ),
    ).toEqual({
      count: 3,
      meanLog: Math.log(100),
      withinSquares: null,
    });
    // A counter that went down was reset: the window is everything counted now.
    expect(
      windowLatency(
        { count: 2, sumLog: 4, sumLogSquares: 8, sumMs: null },
        { count: 9, sumLog: 20, sumLogSquares: 50, sumMs: null },
      ),
    ).toEqual({
      count: 2,
      meanLog: 2,
      withinSquares: 0,
    });
  });

  it('matches the closed form for one window', () => {
    const canaryMs = [110, 120, 130, 125];
    const primaryMs = [100, 105, 98, 101, 99, 97];
    const canary = moments(canaryMs);
    const primary = moments(primaryMs);
    const state = updateLatencyTest(initialLatencyTestState(), canary, primary, tau);
    const est = evaluateLatencyTest(state, 0.05);
    const logs = (xs: number[]) => xs.map((x) => Math.log(x));
    const mean = (xs: number[]) => logs(xs).reduce((a, b) => a + b, 0) / xs.length;
    const variance = (xs: number[]) =>
      logs(xs).reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1);
    const v = variance(canaryMs) / canaryMs.length + variance(primaryMs) / primaryMs.length;
    const d = mean(canaryMs) - mean(primaryMs);
    const t2 = 0.01;
    const expected = 0.5 * Math.log(v / (v + t2)) + (t2 * d * d) / (2 * v * (v + t2));
    expect(est?.effect).toBeCloseTo(d, 12);
    expect(est?.logStatistic).toBeCloseTo(expected, 10);
  });

  it('rejects exactly when the confidence sequence excludes zero', () => {
    const rng = new Random(7);
    for (let trial = 0; trial < 200; trial++) {
      const shift = Math.exp(0.05 * rng.normal());
      const c = Array.from({ length: 20 }, () => 100 * shift * Math.exp(0.3 * rng.normal()));
      const p = Array.from({ length: 40 }, () => 100 * Math.exp(0.3 * rng.normal()));
      const est = evaluateLatencyTest(
        updateLatencyTest(initialLatencyTestState(), moments(c), moments(p), tau),
        0.05,
      );
      if (!est) throw new Error('expected an estimate');
      const rejects = est.logStatistic >= Math.log(20);
      expect(rejects).toBe(est.lower > 0 || est.upper < 0);
    }
  });

  it('keeps the mixing scale of the first window', () => {
    const s1 = updateLatencyTest(initialLatencyTestState(), moments([1, 2]), moments([1, 2]), () => 0.2);
    const s2 = updateLatencyTest(s1, moments([1, 2]), moments([1, 2]), () => 0.9);
    expect(s2.tau).toBe(0.2);
  });

  it('covers the true shift at every window at once in at least 1 − α of runs', () => {
    const rng = new Random(11);
    const runs = 400;
    let misses = 0;
    for (let run = 0; run < runs; run++) {
      let state = initialLatencyTestState();
      let missed = false;
      for (let w = 0; w < 50 && !missed; w++) {
        const c = Array.from({ length: 5 }, () => Math.exp(Math.log(100) + 0.1 + 0.5 * rng.normal()));
        const p = Array.from({ length: 20 }, () => Math.exp(Math.log(100) + 0.5 * rng.normal()));
        state = updateLatencyTest(state, moments(c), moments(p), tau);
        const est = evaluateLatencyTest(state, 0.05);
        if (est && (est.lower > 0.1 || est.upper < 0.1)) missed = true;
      }
      if (missed) misses++;
    }
    // α plus three binomial standard deviations.
    expect(misses / runs).toBeLessThanOrEqual(0.05 + 3 * Math.sqrt((0.05 * 0.95) / runs));
  });
});

/** Solves M x = b by Gaussian elimination (small dense systems, for cross-checking closed forms). */
function solve(m: number[][], b: number[]): number[] {
  const a = m.map((row, i) => [...row, b[i] ?? 0]);
  const n = a.length;
  for (let col = 0; col < n; col++) {
    for (let row = col + 1; row < n; row++) {
      const f = a[row]![col]! / a[col]![col]!;
      for (let k = col; k <= n; k++) a[row]![k]! -= f * a[col]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let s = a[row]![n]!;
    for (let k = row + 1; k < n; k++) s -= a[row]![k]! * x[k]!;
    x[row] = s / a[row]![row]!;
  }
  return x;
}

describe('scale-invariant windows model', () => {
  const windows: [number, number, number][] = [
    [0.08, 40, 400],
    [0.02, 55, 380],
    [0.11, 35, 420],
    [0.05, 60, 300],
    [-0.01, 45, 410],
  ];

  function stateOf(ws: [number, number, number][], t = 0.1) {
    let state = initialLatencyTestState();
    for (const [d, nc, np] of ws)
      state = updateLatencyTest(
        state,
        { count: nc, meanLog: d, withinSquares: null },
        { count: np, meanLog: 0, withinSquares: null },
        () => t,
      );
    return state;
  }

  it('matches the Bayes factor |Σ|^(−1/2)·(|y|² / yᵀΣ⁻¹y)^(k/2) computed with explicit matrices', () => {
    const est = evaluateLatencyTest(stateOf(windows), 0.05, 'windows');
    const t2 = (0.1 / 0.5) ** 2;
    const c = windows.map(([, nc, np]) => 1 / Math.sqrt(1 / nc + 1 / np));
    const y = windows.map(([d], i) => d * c[i]!);
    const sigma = c.map((ci, i) => c.map((cj, j) => (i === j ? 1 : 0) + t2 * ci * cj));
    const det = 1 + t2 * c.reduce((a, ci) => a + ci * ci, 0);
    const inv = solve(sigma, y);
    const yy = y.reduce((a, v) => a + v * v, 0);
    const ySy = y.reduce((a, v, i) => a + v * inv[i]!, 0);
    const expected = -0.5 * Math.log(det) + (windows.length / 2) * Math.log(yy / ySy);
    expect(est?.model).toBe('windows');
    expect(est?.logStatistic).toBeCloseTo(expected, 9);
  });

  it('carries no evidence in its first window and rejects exactly outside its confidence sequence', () => {
    const first = evaluateLatencyTest(stateOf(windows.slice(0, 1)), 0.05, 'windows');
    expect(first?.logStatistic).toBeCloseTo(0, 12);
    expect(first?.upper).toBe(Infinity);
    const rng = new Random(3);
    for (let trial = 0; trial < 200; trial++) {
      const ws = Array.from({ length: 3 + (trial % 20) }, (): [number, number, number] => [
        0.03 + 0.05 * rng.normal(),
        50,
        450,
      ]);
      const est = evaluateLatencyTest(stateOf(ws), 0.05, 'windows');
      if (!est) throw new Error('expected an estimate');
      expect(est.logStatistic >= Math.log(20)).toBe(est.lower > 0 || est.upper < 0);
    }
  });

  it('is used whenever within-window spreads are unknown', () => {
    expect(evaluateLatencyTest(stateOf(windows), 0.05, 'requests')?.model).toBe('windows');
  });
});
