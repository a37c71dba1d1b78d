/**
 * Rates over a sliding window from successive snapshots of cumulative counters: the built-in
 * checks evaluated against the local router as `rate(...[interval])` would against Prometheus.
 * A snapshot is taken on every read and on a timer, and kept as long as the longest window.
 */
import { histogramQuantile, type Bucket } from './histogram.js';
import type { LocalMetricsSnapshot, LocalMetricsSource, LocalWorkloadCounters } from './local-source.js';

export interface WorkloadSelector {
  namespace: string;
  /** Matched as Prometheus matches `=~`: an anchored regular expression. */
  workloadPattern: string;
}

export interface WindowTotals {
  requests: number;
  nonServerErrors: number;
  buckets: Bucket[];
}

export interface LocalWindowOptions {
  /** How often to sample the source between reads (default 1000 ms). */
  sampleEveryMs?: number;
  /** How long snapshots are kept (default 24 h: a run's cumulative counts need its start). */
  retainMs?: number;
  /** Snapshots younger than this are all kept; older ones are thinned to one a minute (default 15 min). */
  fineMs?: number;
  /** Reads the time; the source's `takenAtMs` is used for the snapshots themselves. */
  now?: () => number;
}

/** A counter that went down restarted from zero: the increase is its new value, as in Prometheus. */
function increase(later: number, earlier: number): number {
  return later >= earlier ? later - earlier : later;
}

function matches(counters: LocalWorkloadCounters, selector: WorkloadSelector, pattern: RegExp): boolean {
  return (
    counters.reporter === 'destination' &&
    counters.namespace === selector.namespace &&
    pattern.test(counters.workload)
  );
}

function keyOf(c: LocalWorkloadCounters): string {
  return `${c.reporter}|${c.namespace}|${c.workload}`;
}

export function anchoredPattern(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new Error(`invalid workload pattern "${pattern}"`);
  }
}

/** Sums the increase of the selected workloads between two snapshots. */
export function totalsBetween(
  earlier: LocalMetricsSnapshot | undefined,
  later: LocalMetricsSnapshot,
  selector: WorkloadSelector,
): WindowTotals {
  const pattern = anchoredPattern(selector.workloadPattern);
  const before = new Map((earlier?.workloads ?? []).map((w) => [keyOf(w), w]));
  const totals: WindowTotals = { requests: 0, nonServerErrors: 0, buckets: [] };
  const bucketSums = new Map<number, number>();
  for (const w of later.workloads) {
    if (!matches(w, selector, pattern)) continue;
    const prior = before.get(keyOf(w));
    totals.requests += increase(w.requests, prior?.requests ?? 0);
    totals.nonServerErrors += increase(w.nonServerErrors, prior?.nonServerErrors ?? 0);
    const priorBuckets = new Map((prior?.durationBuckets ?? []).map((b) => [b.le, b.count]));
    for (const b of w.durationBuckets) {
      bucketSums.set(b.le, (bucketSums.get(b.le) ?? 0) + increase(b.count, priorBuckets.get(b.le) ?? 0));
    }
  }
  totals.buckets = [...bucketSums.entries()]
    .map(([le, count]) => ({ le, count }))
    .sort((a, b) => a.le - b.le);
  return totals;
}

export class LocalMetricsWindow {
  private history: LocalMetricsSnapshot[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly retainMs: number;

  constructor(
    private readonly source: LocalMetricsSource,
    private readonly options: LocalWindowOptions = {},
  ) {
    this.retainMs = options.retainMs ?? 86_400_000;
  }

  /** Starts background sampling (unref'd: it never keeps the process alive). */
  start(): this {
    if (this.timer === undefined) {
      this.sample();
      this.timer = setInterval(() => this.sample(), this.options.sampleEveryMs ?? 1000);
      this.timer.unref();
    }
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): LocalMetricsSnapshot {
    const snap = this.source.snapshot();
    const last = this.history.at(-1);
    if (last === undefined || snap.takenAtMs >= last.takenAtMs) this.history.push(snap);
    this.prune(snap.takenAtMs);
    return snap;
  }

  /** Keeps every recent snapshot and one a minute beyond that, so a day costs little memory. */
  private prune(nowMs: number): void {
    const fineMs = this.options.fineMs ?? 900_000;
    let lastMinute = Number.NaN;
    this.history = this.history.filter((snap) => {
      const age = nowMs - snap.takenAtMs;
      if (age > this.retainMs) return false;
      if (age <= fineMs) return true;
      const minute = Math.floor(snap.takenAtMs / 60_000);
      if (minute === lastMinute) return false;
      lastMinute = minute;
      return true;
    });
  }

  /** How many snapshots are kept (for tests and diagnostics). */
  get size(): number {
    return this.history.length;
  }

  /** The newest snapshot at or before `timeMs`, else the oldest kept. */
  private at(timeMs: number): LocalMetricsSnapshot | undefined {
    let found: LocalMetricsSnapshot | undefined;
    for (const snap of this.history) {
      if (snap.takenAtMs <= timeMs) found = snap;
      else break;
    }
    return found ?? this.history[0];
  }

  /** The oldest snapshot taken at or after `timeMs`. */
  private firstFrom(timeMs: number): LocalMetricsSnapshot | undefined {
    return this.history.find((snap) => snap.takenAtMs >= timeMs);
  }

  /**
   * Increase over the last `windowMs`; `undefined` when fewer than two snapshots span it (no rate
   * yet). With `notBeforeMs` (a run's start) the window never reaches back past it: the canary
   * workload served the previous revision before, and that traffic is no evidence about this one.
   */
  window(
    selector: WorkloadSelector,
    windowMs: number,
    notBeforeMs?: number,
  ): (WindowTotals & { spanMs: number }) | undefined {
    const latest = this.sample();
    const from = latest.takenAtMs - windowMs;
    const start =
      notBeforeMs !== undefined && from < notBeforeMs ? this.firstFrom(notBeforeMs) : this.at(from);
    if (start === undefined || start.takenAtMs >= latest.takenAtMs) return undefined;
    return { ...totalsBetween(start, latest, selector), spanMs: latest.takenAtMs - start.takenAtMs };
  }

  /**
   * Increase since `sinceMs` (a run's start): cumulative counts for the judge. When no snapshot is
   * that old, counting starts at the oldest one kept (never at the router's start, which would
   * count earlier runs' traffic).
   */
  since(selector: WorkloadSelector, sinceMs: number): WindowTotals {
    const latest = this.sample();
    return totalsBetween(this.at(sinceMs) ?? latest, latest, selector);
  }
}

/** Success rate in percent over a window, NaN without requests (as 0/0 in PromQL). */
export function successRate(totals: WindowTotals): number {
  return totals.requests === 0 ? Number.NaN : (totals.nonServerErrors / totals.requests) * 100;
}

export function p99(totals: WindowTotals): number {
  return histogramQuantile(0.99, totals.buckets);
}
