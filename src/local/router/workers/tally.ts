import { RouterTelemetry, type SeriesState } from '../telemetry.js';
import type { RouterIdentity } from '../types.js';
import type { IndexedSeries } from './protocol.js';

/**
 * The primary's record of its workers' telemetry: per worker, the latest cumulative state of each
 * of its series (a report replaces the one before, so a repeated or late one never counts twice);
 * a worker that is gone for good has its last state folded into `retired`, which only grows, so
 * replacing a worker never looks like a counter reset. Reads add everything up into a fresh
 * `RouterTelemetry`, which formats `/metrics` and the snapshot exactly as a single router does.
 */
export class WorkerTally {
  private readonly live = new Map<number, Map<number, IndexedSeries>>();
  private readonly retired = new RouterTelemetry({ namespace: 'unused', workload: 'unused' });

  constructor(private readonly identity: RouterIdentity) {}

  report(worker: number, series: readonly IndexedSeries[]): void {
    let table = this.live.get(worker);
    if (table === undefined) {
      table = new Map();
      this.live.set(worker, table);
    }
    for (const s of series) table.set(s.index, s);
  }

  /** The worker can send nothing more (its channel is closed): its counts stay, as retired ones. */
  retire(worker: number): void {
    const table = this.live.get(worker);
    this.live.delete(worker);
    for (const s of table?.values() ?? []) this.retired.absorb(s);
  }

  /** Everything reported so far, summed per series. */
  total(): RouterTelemetry {
    const sum = new RouterTelemetry(this.identity);
    for (const s of this.retired.exportSeries()) sum.absorb(s);
    for (const table of this.live.values()) for (const s of table.values()) sum.absorb(s);
    return sum;
  }
}

/** Series whose count moved since `sent` (indexed as `exportSeries` returns them); updates `sent`. */
export function changedSeries(all: readonly SeriesState[], sent: number[]): IndexedSeries[] {
  const changed: IndexedSeries[] = [];
  all.forEach((s, index) => {
    if (sent[index] === s.count) return;
    sent[index] = s.count;
    changed.push({ ...s, index });
  });
  return changed;
}
