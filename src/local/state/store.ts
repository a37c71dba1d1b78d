import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Canary, CanaryStatus } from '../../api/canary.js';
import type { Routes, StatusPort } from '../../engine/ports.js';
import type { PrimaryRecord } from '../workloads/local-workloads.js';
import { writeFileAtomic } from './atomic-file.js';

/** Everything local mode must remember about one Canary to resume after a restart. */
export interface CanaryRecord {
  namespace: string;
  name: string;
  status?: CanaryStatus;
  /** The split the router was last told to apply: the router's "live object" across restarts. */
  routes?: Routes;
  /** The promoted workload the primary runs. */
  primary?: PrimaryRecord;
  updatedAt?: string;
}

/**
 * The local state directory (`.serin/` by default). One JSON file per Canary, each written
 * atomically, so a `kill -9` at any moment leaves either the previous state or the next one.
 * Writes to one file are serialised in call order.
 */
export class StateStore {
  private readonly records = new Map<string, CanaryRecord>();
  private readonly queues = new Map<string, Promise<void>>();
  readonly canariesDir: string;

  constructor(readonly dir: string) {
    this.canariesDir = join(dir, 'canaries');
    mkdirSync(this.canariesDir, { recursive: true });
    for (const file of readdirSync(this.canariesDir)) {
      if (!file.endsWith('.json') || file.startsWith('.')) continue;
      try {
        const record = JSON.parse(readFileSync(join(this.canariesDir, file), 'utf8')) as CanaryRecord;
        this.records.set(`${record.namespace}/${record.name}`, record);
      } catch {
        // A file that is not ours (or from an incompatible version) is left alone.
      }
    }
  }

  get(canary: Canary): CanaryRecord | undefined {
    return this.records.get(keyOf(canary));
  }

  all(): CanaryRecord[] {
    return [...this.records.values()];
  }

  update(canary: Canary, change: Partial<Omit<CanaryRecord, 'namespace' | 'name'>>): Promise<void> {
    const key = keyOf(canary);
    const record: CanaryRecord = {
      ...(this.records.get(key) ?? { namespace: namespaceOf(canary), name: canary.metadata.name }),
      ...change,
      updatedAt: new Date().toISOString(),
    };
    this.records.set(key, record);
    const file = join(this.canariesDir, `${record.namespace}.${record.name}.json`);
    const text = `${JSON.stringify(record, null, 2)}\n`;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => writeFileAtomic(file, text));
    this.queues.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  /** The engine's StatusPort: the status goes to disk before the tick goes on. */
  statusPort(onWrite?: (canary: Canary, status: CanaryStatus) => void): StatusPort {
    return {
      write: async (canary, status) => {
        await this.update(canary, { status });
        onWrite?.(canary, status);
      },
    };
  }

  /** Waits for every pending write. */
  async flush(): Promise<void> {
    await Promise.all(this.queues.values());
  }
}

function namespaceOf(canary: Canary): string {
  return canary.metadata.namespace ?? 'default';
}

function keyOf(canary: Canary): string {
  return `${namespaceOf(canary)}/${canary.metadata.name}`;
}
