import { describe, expect, it } from 'vitest';
import {
  evaluateLatencyTest,
  initialLatencyTestState,
  isUsableLatencyWindow,
  updateLatencyTest,
  type LogLatencyMoments,
} from './latency.js';
import { Random } from './sim/random.js';

function moments(values: number[]): LogLatencyMoments {
  const logs = values.map((v) => Math.log(v));
  return {
    count: logs.length,
    sumLog: logs.reduce((a, b) => a + b, 0),
    sumLogSquares: logs.reduce((a, b) => a + b * b, 0),
  };
}

const tau = () => 0.1;

describe('log-latency mSPRT', () => {
  it('reports nothing before the first window', () => {
    expect(evaluateLatencyTest(initialLatencyTestState(), 0.05)).toBeNull();
    expect(isUsableLatencyWindow(moments([10]), moments([10, 12]))).toBe(false);
  });

  it('matches the closed form for one window', () => {
    const canary = moments([110, 120, 130, 125]);
    const primary = moments([100, 105, 98, 101, 99, 97]);
    const state = updateLatencyTest(initialLatencyTestState(), canary, primary, tau);
    const est = evaluateLatencyTest(state, 0.05);
    const mean = (m: LogLatencyMoments) => m.sumLog / m.count;
    const variance = (m: LogLatencyMoments) =>
      (m.sumLogSquares - (m.sumLog * m.sumLog) / m.count) / (m.count - 1);
    const v = variance(canary) / canary.count + variance(primary) / primary.count;
    const d = mean(canary) - mean(primary);
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
