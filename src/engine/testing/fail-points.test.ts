import { describe, expect, it } from 'vitest';
import { ARMED_VALUE, failPointFromEnv } from './fail-points.js';

describe('the test fail point', () => {
  it('is off unless armed explicitly, and never in production', () => {
    expect(failPointFromEnv({ SERIN_TEST_FAIL_POINT: '3' })).toEqual({});
    expect(failPointFromEnv({ SERIN_TEST_FAIL_POINT: '3', SERIN_TEST_FAIL_POINTS: 'yes' })).toEqual({});
    expect(
      failPointFromEnv({
        SERIN_TEST_FAIL_POINT: '3',
        SERIN_TEST_FAIL_POINTS: ARMED_VALUE,
        NODE_ENV: 'production',
      }),
    ).toEqual({});
  });

  it('names a boundary by number or by phase, boundary and occurrence', () => {
    const armed = { SERIN_TEST_FAIL_POINTS: ARMED_VALUE };
    expect(failPointFromEnv({ ...armed, SERIN_TEST_FAIL_POINT: '12' }).failPoint).toEqual({
      at: 12,
      action: 'kill',
    });
    expect(
      failPointFromEnv({ ...armed, SERIN_TEST_FAIL_POINT: 'Promoting/before promote/1:stop' }).failPoint,
    ).toEqual({
      at: 'Promoting/before promote/1',
      action: 'stop',
    });
    expect(
      failPointFromEnv({ ...armed, SERIN_TEST_FAIL_POINT: 'Failed/before hook cleanup-2/3' }).failPoint?.at,
    ).toBe('Failed/before hook cleanup-2/3');
    expect(failPointFromEnv({ ...armed, SERIN_TEST_FAIL_POINT: 'soon' }).failPoint).toBeUndefined();
  });
});
