/**
 * Kubernetes Events for every engine decision (core/v1 Event, `kubectl describe canary` shows
 * them). An event of a decision is named after the decision's id, so delivering it again (the
 * engine retries an effect a crash cut off) finds it already recorded and changes nothing.
 * Events without an id (the controller's own) that repeat the same reason and message bump
 * `count` instead of piling up.
 */
import { createHash } from 'node:crypto';
import type { Canary } from '../api/canary.js';
import type { NotifierPort, Severity } from '../engine/ports.js';
import { isNotFound, type KubeClient, type KubeObject } from './client.js';
import { canaryNamespace } from './objects.js';
import { Resources } from './resources.js';

export const EVENT_SOURCE = 'serin';

type EventInput = Parameters<NotifierPort['event']>[1];

export class KubernetesEvents {
  constructor(
    private readonly client: KubeClient,
    private readonly now: () => Date = () => new Date(),
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  private eventName(canary: Canary, event: EventInput): string {
    const identity =
      event.id !== undefined ? `decision/${event.id}` : `${event.type}/${event.reason}/${event.message}`;
    const digest = createHash('sha256')
      .update(`${canary.metadata.uid ?? ''}/${identity}`)
      .digest('hex')
      .slice(0, 12);
    return `${canary.metadata.name}.${digest}`;
  }

  /** Records an event; an API failure here is logged, never fails the tick. */
  async event(canary: Canary, event: EventInput): Promise<void> {
    const ns = canaryNamespace(canary);
    const name = this.eventName(canary, event);
    const now = this.now().toISOString();
    try {
      const existing = await this.client.get(Resources.event, ns, name);
      if (existing) {
        if (event.id !== undefined) return; // this decision's event is recorded already
        const count = typeof existing.count === 'number' ? existing.count + 1 : 2;
        await this.client.patch(Resources.event, ns, name, { count, lastTimestamp: now });
        return;
      }
      const body: KubeObject = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: ns },
        involvedObject: {
          apiVersion: canary.apiVersion,
          kind: 'Canary',
          name: canary.metadata.name,
          namespace: ns,
          uid: canary.metadata.uid,
          resourceVersion: canary.metadata.resourceVersion,
        },
        type: event.type,
        reason: event.reason,
        message: event.message,
        source: { component: EVENT_SOURCE },
        reportingComponent: EVENT_SOURCE,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      await this.client.create(Resources.event, body);
    } catch (error) {
      if (!isNotFound(error)) this.onError(error);
    }
  }
}

export type AlertFn = (
  canary: Canary,
  alert: { severity: Severity; message: string; fields?: Record<string, string> },
) => Promise<void>;
