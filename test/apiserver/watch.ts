import type { ServerResponse } from 'node:http';

import { ApiError, statusBody } from './errors.js';
import { identityOf, type EventType, type ObjectStore, type StoredEvent } from './store.js';
import type { JsonObject } from './json.js';

export interface WatchRequest {
  key: string;
  namespace: string | undefined;
  /** Label and field selectors. */
  matches(object: JsonObject): boolean;
  /** How an object goes on the wire (apiVersion of the request, or a Table row). */
  render(object: JsonObject): JsonObject;
  bookmark(resourceVersion: string): JsonObject;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutSeconds: number | undefined;
  /** Answer a too-old resourceVersion with HTTP 410 instead of an in-stream ERROR event. */
  expiredAsHttpStatus: boolean;
  /** Objects that exist now, for a watch without a resourceVersion ("start at most recent"). */
  initialObjects(): JsonObject[];
}

/** One open watch stream; the server keeps these to drop them or send bookmarks on demand. */
export class WatchStream {
  private unsubscribe: () => void = () => undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly request: WatchRequest,
    private readonly response: ServerResponse,
    private readonly onClose: (stream: WatchStream) => void,
  ) {}

  /** The resource type (store key) this stream watches. */
  get key(): string {
    return this.request.key;
  }

  start(): void {
    if (this.request.expiredAsHttpStatus && this.isExpired()) {
      // Before any header is sent: the caller answers with an HTTP 410 Status instead of a stream.
      throw new ApiError(410, 'Expired', this.expiredMessage());
    }
    this.response.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
    });
    // client-node's Watch resolves only once headers arrive; a quiet watch must still send them.
    this.response.flushHeaders();
    this.response.on('close', () => {
      this.cleanup();
    });
    if (!this.replay()) return;
    this.unsubscribe = this.store.subscribe({
      key: this.request.key,
      onEvent: (event) => {
        this.deliver(event);
      },
    });
    if (this.request.allowBookmarks && this.request.bookmarkIntervalMs > 0) {
      this.timers.push(
        setInterval(() => {
          this.sendBookmark();
        }, this.request.bookmarkIntervalMs),
      );
    }
    if (this.request.timeoutSeconds !== undefined && this.request.timeoutSeconds > 0) {
      this.timers.push(
        setTimeout(() => {
          this.end();
        }, this.request.timeoutSeconds * 1000),
      );
    }
  }

  private replay(): boolean {
    const requested = this.request.resourceVersion;
    if (requested === undefined || requested === '' || requested === '0') {
      for (const object of this.request.initialObjects()) this.send('ADDED', object);
      return true;
    }
    const revision = Number(requested);
    const events = Number.isInteger(revision)
      ? this.store.eventsSince(this.request.key, revision)
      : 'expired';
    if (events === 'expired') {
      // A real apiserver answers 200 and then an ERROR event carrying 410 Expired.
      this.write('ERROR', statusBody(410, 'Expired', this.expiredMessage()));
      this.end();
      return false;
    }
    for (const event of events) this.deliver(event);
    return true;
  }

  private isExpired(): boolean {
    const requested = this.request.resourceVersion;
    if (requested === undefined || requested === '' || requested === '0') return false;
    const revision = Number(requested);
    return !Number.isInteger(revision) || this.store.eventsSince(this.request.key, revision) === 'expired';
  }

  private expiredMessage(): string {
    const oldest = this.store.oldestWatchableRevision + 1;
    return `too old resource version: ${this.request.resourceVersion ?? ''} (${oldest})`;
  }

  /** Translates a store change into what this watch sees: objects entering or leaving the selection. */
  private deliver(event: StoredEvent): void {
    const inNamespace = (object: JsonObject | undefined): boolean =>
      object !== undefined &&
      (this.request.namespace === undefined || identityOf(object).namespace === this.request.namespace) &&
      this.request.matches(object);
    const was = inNamespace(event.previous);
    const is = event.type !== 'DELETED' && inNamespace(event.object);
    if (event.type === 'DELETED') {
      if (was) this.send('DELETED', event.object);
    } else if (is) {
      this.send(was ? 'MODIFIED' : 'ADDED', event.object);
    } else if (was) {
      this.send('DELETED', event.object);
    }
  }

  sendBookmark(): void {
    if (!this.request.allowBookmarks || this.closed) return;
    this.write('BOOKMARK', this.request.bookmark(String(this.store.currentRevision)));
  }

  private send(type: EventType, object: JsonObject): void {
    this.write(type, this.request.render(object));
  }

  private write(type: string, object: JsonObject): void {
    if (this.closed) return;
    this.response.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** Ends the stream cleanly: clients see a normal end of response and re-watch. */
  end(): void {
    if (!this.closed) this.response.end();
    this.cleanup();
  }

  /** Cuts the connection, as a crashed apiserver or a broken network would. */
  destroy(): void {
    this.response.destroy();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const timer of this.timers) clearTimeout(timer);
    this.onClose(this);
  }
}
