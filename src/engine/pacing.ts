/**
 * Pacing: a step, a promotion or an iteration needs a full analysis interval of evidence since
 * the evidence window began (traffic last changed, the run started, or a round was counted).
 * The engine applies the rule; platforms use {@link evidenceDueAt} to wake up when it is due.
 */
import type { Canary, CanaryStatus } from '../api/canary.js';
import { analysisIntervalMs } from './analysis-config.js';
import { isActivePhase } from './phases.js';

/** Whether a full interval has passed since `evidenceSince` (no window yet: nothing to wait for). */
export function evidenceComplete(status: CanaryStatus, intervalMs: number, now: Date): boolean {
  const since = status.evidenceSince;
  if (since === undefined) return true;
  return now.getTime() - Date.parse(since) >= intervalMs;
}

/**
 * When the current evidence window is complete (epoch ms), for a Canary in a run; undefined when
 * nothing waits on evidence. A platform woken early (a command, an edit) plans its next tick here
 * instead of a whole interval later.
 */
export function evidenceDueAt(canary: Canary, status: CanaryStatus | undefined): number | undefined {
  if (status?.evidenceSince === undefined || !isActivePhase(status.phase)) return undefined;
  const since = Date.parse(status.evidenceSince);
  return Number.isNaN(since) ? undefined : since + analysisIntervalMs(canary);
}
