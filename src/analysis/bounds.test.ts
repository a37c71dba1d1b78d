import { describe, expect, it } from 'vitest';
import { judgeValue } from './bounds.js';

describe('judgeValue', () => {
  it('passes and fails finite values against inclusive bounds', () => {
    expect(judgeValue('m', 99, { min: 99 }).verdict).toBe('pass');
    expect(judgeValue('m', 98.9, { min: 99 }).verdict).toBe('fail');
    expect(judgeValue('m', 500, { max: 500 }).verdict).toBe('pass');
    expect(judgeValue('m', 501, { max: 500 }).verdict).toBe('fail');
  });

  it.each([
    [Number.POSITIVE_INFINITY, { min: 99 }, '+Inf'],
    [Number.NEGATIVE_INFINITY, { max: 500 }, '-Inf'],
    [Number.NaN, { min: 99 }, 'NaN'],
    [Number.NaN, { max: 500 }, 'NaN'],
    [Number.POSITIVE_INFINITY, {}, '+Inf'],
  ])('%s against %o is unknown, never a pass', (value, bounds, shown) => {
    const outcome = judgeValue('request-success-rate', value, bounds);
    expect(outcome.verdict).toBe('unknown');
    expect(outcome.message).toContain(`request-success-rate is ${shown}: no measurement`);
    expect(outcome).toMatchObject(bounds);
  });
});
