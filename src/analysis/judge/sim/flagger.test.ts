import { describe, expect, it } from 'vitest';
import { flaggerRollbackAt, sampleP99 } from './flagger.js';
import { Random } from './random.js';
import type { ArmBehaviour, TrafficWindow } from './traffic.js';

const arm: ArmBehaviour = { errorRate: 0, latencyMedianMs: 100, latencySigma: 0.5 };

function windows(perMinute: { requests: number; errors: number }[]): TrafficWindow[] {
  const zero = { requests: 0, errors: 0, count: 0, sumLog: 0, sumLogSquares: 0, sumMs: 0 };
  return perMinute.map((m, i) => ({
    end: 60 * (i + 1),
    canary: { ...zero, requests: m.requests, errors: m.errors },
    primary: zero,
  }));
}

describe("Flagger's threshold policy", () => {
  it('rolls back one interval after the fifth failed check, counting failures cumulatively', () => {
    const bad = { requests: 1000, errors: 50 };
    const good = { requests: 1000, errors: 0 };
    const minutes = [bad, good, bad, good, bad, bad, good, bad, good, good];
    // Fifth failure at the tick of minute 8 (t = 480 s); the next tick (540 s) rolls back.
    expect(flaggerRollbackAt(new Random(1), windows(minutes), arm)).toBe(540);
  });

  it('never rolls back while every check passes, and counts an interval without traffic as failed', () => {
    expect(
      flaggerRollbackAt(
        new Random(1),
        windows(new Array<{ requests: number; errors: number }>(10).fill({ requests: 1000, errors: 5 })),
        arm,
      ),
    ).toBeNull();
    expect(
      flaggerRollbackAt(
        new Random(1),
        windows(new Array<{ requests: number; errors: number }>(10).fill({ requests: 0, errors: 0 })),
        arm,
      ),
    ).toBe(360);
  });

  it('draws P99 around the lognormal 99th percentile', () => {
    const rng = new Random(3);
    const draws = Array.from({ length: 2000 }, () => sampleP99(rng, 5000, arm)).sort((a, b) => a - b);
    const truth = 100 * Math.exp(0.5 * 2.3263478740408408);
    expect(draws[1000]! / truth).toBeGreaterThan(0.98);
    expect(draws[1000]! / truth).toBeLessThan(1.02);
  });
});
