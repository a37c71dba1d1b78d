import { describe, expect, it } from 'vitest';
import { parseHey } from './hey.js';
import { boundLoad, DEFAULT_LOAD_LIMITS, LoadRefused, targetAllowed } from './limits.js';

const webhook = { namespace: 'test', authorised: false };
const refusal = (command: string, target = webhook) => {
  try {
    boundLoad(parseHey(command), DEFAULT_LOAD_LIMITS, target);
  } catch (error) {
    if (error instanceof LoadRefused) return { status: error.status, message: error.message };
    throw error;
  }
  return undefined;
};

describe('load limits', () => {
  it("accepts Flagger's documented command and paces a task without -q at the rate limit", () => {
    expect(refusal('hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/')).toBeUndefined();
    const unpaced = boundLoad(
      parseHey('hey -z 1m -c 50 http://podinfo-canary/'),
      DEFAULT_LOAD_LIMITS,
      webhook,
    );
    expect(unpaced.ratePerWorker).toBe(DEFAULT_LOAD_LIMITS.maxRate / 50);
    const counted = boundLoad(
      parseHey('hey -n 1000 -c 10 http://localhost:8080/'),
      DEFAULT_LOAD_LIMITS,
      webhook,
    );
    expect(counted.durationMs).toBe(DEFAULT_LOAD_LIMITS.maxDurationMs);
  });

  it('refuses concurrency, rate and duration over the limits, naming the flag and the limit', () => {
    expect(refusal('hey -z 5s -c 20000 http://127.0.0.1:1/')).toEqual({
      status: 400,
      message: '-c 20000: more workers than the limit of 100 (--loadgen-max-concurrency)',
    });
    expect(refusal('hey -z 5s -c 100 -q 50 http://127.0.0.1/')?.message).toBe(
      '-c 100 -q 50: 5000 requests per second, more than the limit of 1000 (--loadgen-max-rate)',
    );
    expect(refusal('hey -z 2h -q 1 -c 1 http://127.0.0.1/')?.message).toBe(
      '-z 2h: longer than the limit of 1h (--loadgen-max-duration)',
    );
  });

  it('lets a webhook load loopback and Services in its own namespace; anything else needs the token', () => {
    const allowed = (url: string, ns = 'test') =>
      targetAllowed(new URL(url), ns, DEFAULT_LOAD_LIMITS.allowTargets);
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://localhost/',
      'http://[::1]:9/',
      'http://podinfo-canary:9898/',
      'http://podinfo-canary.test:9898/',
      'https://podinfo.test.svc/',
      'http://podinfo.test.svc.cluster.local/',
    ])
      expect([url, allowed(url)]).toEqual([url, true]);
    for (const url of [
      'http://evil.example/',
      'http://podinfo.other:9898/',
      'http://10.0.0.1/',
      'http://a.b.c.example.com/',
    ])
      expect([url, allowed(url)]).toEqual([url, false]);
    expect(refusal('hey -z 1m -c 1 http://evil.example/')).toMatchObject({ status: 403 });
    expect(
      refusal('hey -z 1m -c 1 http://evil.example/', { namespace: 'test', authorised: true }),
    ).toBeUndefined();
    expect(targetAllowed(new URL('http://api.example.com:8443/'), 'x', ['*.example.com:8443'])).toBe(true);
    expect(targetAllowed(new URL('http://api.example.com/'), 'x', ['*.example.com:8443'])).toBe(false);
  });
});
