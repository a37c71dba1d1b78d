/**
 * What in a Canary's status belongs to the current run. A new run starts at `runStartedAt`; checks
 * and workload health recorded before it describe an earlier run (often an aborted one) and must
 * not be shown as if current, in status views, the terminal or the dashboard.
 */
import type { CanaryStatus, CheckRecord, WorkloadHealth } from './canary.js';

export type WorkloadSide = 'primary' | 'canary';

/** The checks evaluated since the current run started (all of them before any run). */
export function checksOfRun(status: CanaryStatus): CheckRecord[] {
  const since = status.runStartedAt;
  const checks = status.checks ?? [];
  return since === undefined ? checks : checks.filter((c) => Date.parse(c.time) >= Date.parse(since));
}

/**
 * A side's health as last observed. The canary's only counts in the run it was observed in; the
 * primary serves across runs, so its record is always current.
 */
export function healthOfRun(status: CanaryStatus, side: WorkloadSide): WorkloadHealth | undefined {
  const h = status.workloads?.[side];
  if (h === undefined) return undefined;
  return side === 'primary' || h.run === status.runStartedAt ? h : undefined;
}
