/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: acquire when the lease
 * is free or its holder has not renewed for a lease duration (measured on our own clock, from when
 * we last saw the record change), renew every retry period, and give up leadership when a renewal
 * has not succeeded within the renew deadline. Timestamps are MicroTime (six fractional digits).
 */
import { isConflict, isNotFound, type KubeClient, type KubeObject } from './client.js';
import { Resources } from './resources.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (error: unknown) => void;
}

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export type Lease = KubeObject & { spec?: LeaseSpec };

/** `2026-01-01T00:00:00.123000Z`: the API server rejects RFC 3339 with millisecond precision here. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private observed: { record: string; at: number } | undefined;
  private lastRenew = 0;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
  ) {
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Whether this process may still act as leader right now: it leads, and its last successful
   * renewal is younger than the renew deadline, measured on this process's own clock. A process
   * that was paused (SIGSTOP, a long GC, a frozen VM) past the deadline finds out here on its
   * first instruction after resuming, before its renewal loop has had a chance to run: the
   * standby may hold the lease by now.
   */
  holdsLease(now = Date.now()): boolean {
    return this.leading && now - this.lastRenew < this.renewMs;
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    void this.loop();
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (error) {
      this.options.onError?.(error);
    }
    const now = Date.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.options.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.renewMs) {
      this.leading = false;
      this.options.onStoppedLeading();
    }
    if (!this.isStopped()) {
      this.timer = setTimeout(() => void this.loop(), this.retryMs);
      this.timer.unref();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = new Date();
    const lease = await this.client.get<Lease>(Resources.lease, namespace, name);
    const durationSeconds = Math.max(1, Math.ceil(this.leaseMs / 1000));
    if (!lease) {
      try {
        await this.client.create<Lease>(Resources.lease, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw error;
      }
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime]);
    if (this.observed?.record !== record) this.observed = { record, at: now.getTime() };
    const heldByOther =
      spec.holderIdentity !== undefined && spec.holderIdentity !== '' && spec.holderIdentity !== identity;
    const expired = this.observed.at + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 < now.getTime();
    if (heldByOther && !expired) return false;
    const next: LeaseSpec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(now),
    };
    if (spec.holderIdentity !== identity) {
      next.acquireTime = microTime(now);
      next.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
    }
    try {
      await this.client.replace<Lease>(Resources.lease, { ...lease, spec: next });
      return true;
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) return false;
      throw error;
    }
  }

  /** Stops campaigning; a leader hands the lease back so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.get<Lease>(Resources.lease, this.options.namespace, this.options.name);
      if (lease?.spec?.holderIdentity === this.options.identity) {
        await this.client.replace<Lease>(Resources.lease, {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
        });
      }
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
