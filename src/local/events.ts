import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Canary } from '../api/canary.js';
import type { NotifierPort, Severity } from '../engine/ports.js';

export interface LocalEvent {
  time: string;
  namespace: string;
  name: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  by?: string;
  /** The engine decision this event records (its alert log line carries it too). */
  id?: string;
}

/**
 * The event log: every engine decision, readiness change and action, in order. Kept in memory for
 * the API and the terminal, appended to `.serin/events.jsonl`, and pushed to subscribers.
 */
export class EventLog {
  private readonly events: LocalEvent[] = [];
  private readonly listeners = new Set<(event: LocalEvent) => void>();

  constructor(
    private readonly file?: string,
    private readonly capacity = 1000,
  ) {
    if (file !== undefined) mkdirSync(dirname(file), { recursive: true });
  }

  add(event: Omit<LocalEvent, 'time'> & { time?: string }): LocalEvent {
    const full: LocalEvent = { time: new Date().toISOString(), ...event };
    this.events.push(full);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    if (this.file !== undefined) {
      try {
        appendFileSync(this.file, `${JSON.stringify(full)}\n`);
      } catch {
        // The file is a convenience; the in-memory log and the subscribers still get the event.
      }
    }
    for (const listener of [...this.listeners]) listener(full);
    return full;
  }

  recent(filter?: { namespace: string; name: string }, limit = 200): LocalEvent[] {
    const list = filter
      ? this.events.filter((e) => e.namespace === filter.namespace && e.name === filter.name)
      : this.events;
    return list.slice(-limit);
  }

  subscribe(listener: (event: LocalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export type AlertSink = (
  canary: Canary,
  alert: { severity: Severity; message: string; fields?: Record<string, string> },
) => Promise<void>;

/** The engine's NotifierPort: events go to the log; alerts go to the alert sink and are logged too. */
export function createLocalNotifier(log: EventLog, alertSink?: AlertSink): NotifierPort {
  return {
    event(canary, event) {
      log.add({ namespace: canary.metadata.namespace ?? 'default', name: canary.metadata.name, ...event });
      return Promise.resolve();
    },
    async alert(canary, alert) {
      log.add({
        namespace: canary.metadata.namespace ?? 'default',
        name: canary.metadata.name,
        type: alert.severity === 'info' ? 'Normal' : 'Warning',
        reason: 'Alert',
        message: alert.message,
        ...(alert.id !== undefined ? { id: alert.id } : {}),
      });
      await alertSink?.(canary, alert);
    },
  };
}
