/**
 * Fencing: what keeps a former leader from writing after a standby took over. Two layers:
 *
 * - Before every write, the controller's client asks {@link leaseGuard} whether this process
 *   still holds the lease (led, and renewed within the renew deadline on its own clock); a
 *   paused or partitioned leader is refused before its request leaves the process.
 * - The status write is a compare-and-swap: it is based on the status the tick read or last wrote,
 *   sent with the live object's resourceVersion (the server refuses it with 409 if anything
 *   changed in between), and a retry after a conflict is refused when the status itself moved on
 *   ({@link statusFingerprint}): someone else (the new leader) advanced the Canary.
 */
import type { CanaryStatus } from '../api/canary.js';

/** A write refused because this process no longer holds the leader lease. */
export class LeadershipLost extends Error {
  constructor(identity: string) {
    super(`${identity} no longer holds the leader lease: write refused`);
    this.name = 'LeadershipLost';
  }
}

/** A status write refused because another writer advanced the status since this tick read it. */
export class StatusOvertaken extends Error {
  constructor(canary: string) {
    super(`the status of ${canary} was advanced by another writer since this tick read it: write refused`);
    this.name = 'StatusOvertaken';
  }
}

/** A write guard for the controller's client: throws unless `holds()` says the lease is ours. */
export function leaseGuard(identity: string, holds: () => boolean): () => void {
  return () => {
    if (!holds()) throw new LeadershipLost(identity);
  };
}

/**
 * What identifies one state of the engine's progress: every decision bumps `decisionCount`, every
 * intent has an id and a count of effects done. Conditions (Ready is added on write) and
 * observations do not take part.
 */
export function statusFingerprint(status: CanaryStatus | undefined): string {
  const s = status ?? {};
  return JSON.stringify([
    s.phase,
    s.decisionCount,
    s.intent?.id,
    s.intent?.done,
    s.canaryWeight,
    s.lastCommandId,
  ]);
}
