import { describe, expect, it } from 'vitest';
import { LocalMetricsWindow, successRate } from '../analysis/local-window.js';
import type { TelemetrySnapshot } from './router/index.js';
import { workloadCounters } from './metrics-source.js';

type Stats = TelemetrySnapshot['workloads'][number];

function stats(version: string, requests: number, ok: number): Stats {
  return {
    reporter: 'destination',
    workload: 'web',
    namespace: 'default',
    version,
    requests,
    nonServerErrors: ok,
    durationBuckets: [
      { le: 10, count: ok },
      { le: Number.POSITIVE_INFINITY, count: requests },
    ],
    durationSumMs: 0,
  };
}

describe('router counters for the analysis', () => {
  it('sums the versions of one workload, so a new revision is judged on its own requests', () => {
    let now = 1000;
    // v2 served as the canary earlier; v3 has just started under the same workload name.
    let entries: Stats[] = [stats('v2', 500, 500), stats('v3', 10, 5)];
    const router = { snapshot: (): TelemetrySnapshot => ({ takenAtMs: now, workloads: entries }) };
    const window = new LocalMetricsWindow(workloadCounters(router), { now: () => now });
    window.sample();
    // The canary now serves v3, half of it failing; v2's old counters stay in the snapshot.
    now += 3000;
    entries = [stats('v2', 500, 500), stats('v3', 110, 55)];
    const totals = window.window({ namespace: 'default', workloadPattern: 'web' }, 3000);
    expect(totals?.requests).toBe(100);
    expect(successRate(totals!)).toBe(50);
  });
});
