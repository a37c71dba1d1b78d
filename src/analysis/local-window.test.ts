import { describe, expect, it } from 'vitest';
import type { LocalMetricsSnapshot, LocalWorkloadCounters } from './local-source.js';
import { LocalMetricsWindow, p99, successRate, totalsBetween } from './local-window.js';

function counters(workload: string, requests: number, nonServerErrors = requests): LocalWorkloadCounters {
  return {
    reporter: 'destination',
    workload,
    namespace: 'test',
    requests,
    nonServerErrors,
    durationBuckets: [
      { le: 100, count: nonServerErrors },
      { le: Infinity, count: requests },
    ],
  };
}

const snap = (takenAtMs: number, workloads: LocalWorkloadCounters[]): LocalMetricsSnapshot => ({
  takenAtMs,
  workloads,
});

describe('totalsBetween', () => {
  it('sums the increase of destination reports of the anchored workload pattern only', () => {
    const before = snap(0, [counters('podinfo', 10), counters('podinfo-primary', 100)]);
    const after = snap(60_000, [
      counters('podinfo', 30, 25),
      counters('podinfo-primary', 300),
      { ...counters('podinfo', 999, 0), reporter: 'source' },
      { ...counters('podinfo', 999, 0), namespace: 'other' },
    ]);
    const totals = totalsBetween(before, after, { namespace: 'test', workloadPattern: 'podinfo' });
    expect(totals).toEqual({
      requests: 20,
      nonServerErrors: 15,
      buckets: [
        { le: 100, count: 15 },
        { le: Infinity, count: 20 },
      ],
    });
    expect(successRate(totals)).toBe(75);
    expect(p99(totals)).toBe(100);
    expect(totalsBetween(before, after, { namespace: 'test', workloadPattern: 'podinfo.*' }).requests).toBe(
      220,
    );
  });

  it('treats a counter that went down as restarted from zero, as Prometheus does', () => {
    const totals = totalsBetween(snap(0, [counters('w', 500)]), snap(1, [counters('w', 40)]), {
      namespace: 'test',
      workloadPattern: 'w',
    });
    expect(totals.requests).toBe(40);
  });
});

describe('LocalMetricsWindow', () => {
  it('keeps a day of history cheaply and still counts a run from its start', () => {
    let now = 0;
    let requests = 0;
    const window = new LocalMetricsWindow({ snapshot: () => snap(now, [counters('podinfo', requests)]) });
    // Two hours at one snapshot every 5 s, 2 requests per second.
    for (now = 0; now <= 7_200_000; now += 5000) {
      requests = (now / 1000) * 2;
      window.sample();
    }
    now = 7_200_000;
    // 15 minutes at full resolution (181 snapshots) plus one a minute for the rest.
    expect(window.size).toBeLessThanOrEqual(181 + 106);
    const runStart = 1_800_000;
    const since = window.since({ namespace: 'test', workloadPattern: 'podinfo' }, runStart);
    expect(since.requests).toBe(((7_200_000 - runStart) / 1000) * 2);
    const last = window.window({ namespace: 'test', workloadPattern: 'podinfo' }, 60_000);
    expect(last).toMatchObject({ requests: 120, spanMs: 60_000 });
  });

  it("never counts traffic from before the run's start: the canary workload's previous revision is not this run's evidence", () => {
    let now = 0;
    let requests = 0;
    let ok = 0;
    const window = new LocalMetricsWindow({ snapshot: () => snap(now, [counters('podinfo', requests, ok)]) });
    // The previous revision served 20 healthy requests a second until 3 s.
    for (now = 0; now <= 3000; now += 500) {
      requests = ok = (now / 1000) * 20;
      window.sample();
    }
    const runStart = 3200;
    // This run's revision: 5 requests a second, one in five a 5xx.
    for (now = 3500; now <= 4500; now += 500) {
      requests = 60 + ((now - runStart) / 1000) * 5;
      ok = 60 + ((now - runStart) / 1000) * 4;
      window.sample();
    }
    now = 4500;
    const selector = { namespace: 'test', workloadPattern: 'podinfo' };
    const unclamped = window.window(selector, 4000);
    expect(unclamped !== undefined && successRate(unclamped)).toBeGreaterThan(95);
    const run = window.window(selector, 4000, runStart);
    // From the first snapshot of the run (3.5 s) to 4.5 s: 5 requests, 4 of them not 5xx.
    expect(run).toMatchObject({ requests: 5, nonServerErrors: 4, spanMs: 1000 });
    expect(run !== undefined && successRate(run)).toBe(80);
    // A window that starts after the run started is not changed.
    expect(window.window(selector, 500, runStart)).toEqual(window.window(selector, 500));
    // With one snapshot of the run there is no rate yet.
    expect(window.window(selector, 4000, 4400)).toBeUndefined();
  });

  it('has no window before a second snapshot exists', () => {
    const window = new LocalMetricsWindow({ snapshot: () => snap(1000, [counters('podinfo', 5)]) });
    expect(window.window({ namespace: 'test', workloadPattern: 'podinfo' }, 60_000)).toBeUndefined();
  });
});
