/**
 * Load tasks run once cluster-wide: the gate API is served by every replica behind one Service, so
 * the webhooks of one Canary land on any of them. Before a replica starts a task it claims it in a
 * coordination.k8s.io Lease named after the task id (the Canary and its command line); a replica
 * that finds the claim held and renewed by another answers "already running". The holder renews
 * while the task runs and hands the claim back when it ends or the replica shuts down; a holder
 * that dies stops renewing, and its claim expires.
 */
import type { LoadClaims } from '../analysis/loadgen/tasks.js';
import { isConflict, isNotFound, type KubeClient } from './client.js';
import { microTime, type Lease } from './lease.js';
import { Resources } from './resources.js';

export interface LeaseLoadClaimsOptions {
  namespace: string;
  identity: string;
  /** How long a claim lasts without renewal (default 15 s). */
  durationMs?: number;
  now?: () => Date;
}

export const LOAD_CLAIM_PREFIX = 'serin-load-';

export class LeaseLoadClaims implements LoadClaims {
  readonly durationMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaseLoadClaimsOptions,
  ) {
    this.durationMs = options.durationMs ?? 15_000;
    this.now = options.now ?? (() => new Date());
  }

  private nameOf(id: string): string {
    return `${LOAD_CLAIM_PREFIX}${id}`;
  }

  private spec(now: Date, acquired?: string) {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.durationMs / 1000)),
      acquireTime: acquired ?? microTime(now),
      renewTime: microTime(now),
    };
  }

  private heldByOther(lease: Lease, now: Date): boolean {
    const spec = lease.spec ?? {};
    if (spec.holderIdentity === undefined || spec.holderIdentity === '') return false;
    if (spec.holderIdentity === this.options.identity) return false;
    const renewed = Date.parse(spec.renewTime ?? '');
    const expiresAt = renewed + (spec.leaseDurationSeconds ?? 0) * 1000;
    return Number.isFinite(expiresAt) && expiresAt > now.getTime();
  }

  async claim(id: string): Promise<boolean> {
    const { namespace } = this.options;
    const name = this.nameOf(id);
    const now = this.now();
    const lease = await this.client.get<Lease>(Resources.lease, namespace, name);
    try {
      if (!lease) {
        await this.client.create<Lease>(Resources.lease, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'serin' } },
          spec: this.spec(now),
        });
        return true;
      }
      if (this.heldByOther(lease, now)) return false;
      await this.client.replace<Lease>(Resources.lease, { ...lease, spec: this.spec(now) });
      return true;
    } catch (error) {
      // Another replica created or took it between our read and our write: it is theirs.
      if (isConflict(error)) return false;
      throw error;
    }
  }

  async renew(id: string): Promise<boolean> {
    const lease = await this.client.get<Lease>(Resources.lease, this.options.namespace, this.nameOf(id));
    if (lease?.spec?.holderIdentity !== this.options.identity) return false;
    try {
      await this.client.replace<Lease>(Resources.lease, {
        ...lease,
        spec: this.spec(this.now(), lease.spec.acquireTime),
      });
      return true;
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) return false;
      throw error;
    }
  }

  async release(id: string): Promise<void> {
    const lease = await this.client.get<Lease>(Resources.lease, this.options.namespace, this.nameOf(id));
    if (lease?.spec?.holderIdentity !== this.options.identity) return;
    try {
      await this.client.replace<Lease>(Resources.lease, { ...lease, spec: { leaseDurationSeconds: 1 } });
    } catch (error) {
      if (!isConflict(error) && !isNotFound(error)) throw error;
    }
  }
}
