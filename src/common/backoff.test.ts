import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from './backoff.js';

const policy = { initialMs: 1_000, maxMs: 60_000 };

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    const delays = [0, 1, 2, 3, 6, 7, 20].map((attempt) => backoffDelay(policy, attempt, () => 0));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000]);
  });

  it('adds at most the jitter fraction, never less than the base', () => {
    expect(backoffDelay(policy, 2, () => 0.999)).toBeCloseTo(4_000 * 1.1998, 0);
    expect(backoffDelay({ ...policy, jitter: 0.5 }, 0, () => 1)).toBe(1_500);
  });
});

describe('Backoff', () => {
  it('grows with each failure and starts over after a success', () => {
    const backoff = new Backoff(policy, () => 0);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([1_000, 2_000, 4_000]);
    expect(backoff.failures).toBe(3);
    backoff.reset();
    expect(backoff.next()).toBe(1_000);
  });
});
