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

  it('has no window before a second snapshot exists', () => {
    const window = new LocalMetricsWindow({ snapshot: () => snap(1000, [counters('podinfo', 5)]) });
    expect(window.window({ namespace: 'test', workloadPattern: 'podinfo' }, 60_000)).toBeUndefined();
  });
});
