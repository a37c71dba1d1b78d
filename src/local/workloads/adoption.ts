import type { ProcessRegistry, RegisteredProcess } from './process-registry.js';

export type Survivor = RegisteredProcess & { port: number };

/**
 * The replicas a previous instance left running, on offer to this one. A replica group takes the
 * process recorded for its own name, revision and index, so a replica of the same spec is adopted
 * rather than stopped and started again; whatever nobody takes is stopped after a grace period,
 * and anything that is not a replica is stopped at once.
 */
export class AdoptionPool {
  private readonly offered = new Map<string, Survivor>();
  private timer: NodeJS.Timeout | undefined;
  adopted = 0;

  constructor(
    private readonly registry: ProcessRegistry,
    inherited: readonly RegisteredProcess[],
  ) {
    const other: RegisteredProcess[] = [];
    for (const entry of inherited) {
      const role = entry.role;
      if (role?.kind === 'replica' && role.port > 0) {
        this.offered.set(slot(role.group, role.revision, role.index), { ...entry, port: role.port });
      } else other.push(entry);
    }
    this.stoppedAtOnce = registry.reap(other);
  }

  /** How many inherited processes were stopped right away (not replicas, so never adoptable). */
  readonly stoppedAtOnce: number;

  /** The live process recorded for this replica, removed from the offer; undefined if none. */
  claim(group: string, revision: string, index: number): Survivor | undefined {
    const key = slot(group, revision, index);
    const survivor = this.offered.get(key);
    if (survivor === undefined) return undefined;
    this.offered.delete(key);
    this.adopted++;
    return survivor;
  }

  get remaining(): number {
    return this.offered.size;
  }

  /** Stops whatever is still on offer after `graceMs`, and reports how many it stopped. */
  expireAfter(graceMs: number, onExpired: (stopped: number) => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      onExpired(this.expire());
    }, graceMs);
    this.timer.unref();
  }

  /** Stops everything still on offer now (shutdown, or the grace period is over). */
  expire(): number {
    clearTimeout(this.timer);
    const left = [...this.offered.values()];
    this.offered.clear();
    return this.registry.reap(left);
  }
}

const slot = (group: string, revision: string, index: number) => `${group}|${revision}|${index}`;
