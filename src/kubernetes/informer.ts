/**
 * A list-watch cache that survives what real API servers do to watches: streams that end (re-watch
 * from the last resourceVersion), 410 Gone (relist), dropped connections and 5xx (restart with
 * capped exponential backoff), and silent stops (idle timeout, plus a periodic full relist that
 * also acts as the resync).
 */
import type { KubeClient, KubeObject, WatchEvent } from './client.js';
import { isGone } from './client.js';
import type { ResourceType } from './resources.js';
import { Backoff } from '../common/backoff.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T extends KubeObject> = (event: InformerEvent, object: T) => void;

export interface InformerOptions {
  namespace?: string | undefined;
  labelSelector?: string;
  /** Full relist period (resync); every object is re-delivered as `update`. */
  resyncMs?: number;
  /** Server-side watch timeout; the stream is renewed after it. */
  watchTimeoutSeconds?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onError?: (error: unknown) => void;
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private abort = new AbortController();
  private running = false;
  private synced = false;
  private resourceVersion: string | undefined;
  private loop: Promise<void> | undefined;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(
    private readonly client: KubeClient,
    readonly type: ResourceType,
    private readonly options: InformerOptions = {},
  ) {}

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list has filled the cache. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  private isRunning(): boolean {
    return this.running;
  }

  private emit(event: InformerEvent, object: T): void {
    for (const handler of this.handlers) {
      try {
        handler(event, object);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  /** Replaces the cache with a fresh list; objects that vanished while we were away become deletes. */
  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.type, this.options.namespace, {
      labelSelector: this.options.labelSelector,
    });
    const seen = new Set<string>();
    for (const raw of list.items) {
      const item = {
        apiVersion: `${this.type.group === '' ? '' : `${this.type.group}/`}${this.type.version}`,
        kind: this.type.kind,
        ...raw,
      };
      const key = keyOf(item);
      seen.add(key);
      const existed = this.cache.has(key);
      this.cache.set(key, item);
      this.emit(existed ? 'update' : 'add', item);
    }
    for (const [key, item] of this.cache) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.emit('delete', item);
    }
    this.resourceVersion = list.metadata.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private apply(event: WatchEvent<T>): void {
    const object = event.object;
    if (object.metadata.resourceVersion !== undefined) this.resourceVersion = object.metadata.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    const key = keyOf(object);
    if (event.type === 'DELETED') {
      this.cache.delete(key);
      this.emit('delete', object);
      return;
    }
    const existed = this.cache.has(key);
    this.cache.set(key, object);
    this.emit(existed ? 'update' : 'add', object);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async run(): Promise<void> {
    const backoff = new Backoff({
      initialMs: this.options.backoffInitialMs ?? 250,
      maxMs: this.options.backoffMaxMs ?? 10_000,
    });
    const resyncMs = this.options.resyncMs ?? 300_000;
    let needList = true;
    let lastList = 0;
    while (this.running) {
      try {
        if (needList || Date.now() - lastList >= resyncMs) {
          await this.relist();
          lastList = Date.now();
          needList = false;
        }
        await this.watchOnce(resyncMs - (Date.now() - lastList));
        backoff.reset();
      } catch (error) {
        if (!this.isRunning()) break;
        if (isGone(error)) {
          needList = true;
          continue;
        }
        this.options.onError?.(error);
        await this.sleep(backoff.next());
        // After a failure we may have missed events the server no longer keeps: relist.
        needList = true;
      }
    }
  }

  private async watchOnce(untilResyncMs: number): Promise<void> {
    const timeoutSeconds = Math.max(
      1,
      Math.min(this.options.watchTimeoutSeconds ?? 300, Math.ceil(untilResyncMs / 1000)),
    );
    await this.client.watch<T>(
      this.type,
      this.options.namespace,
      { resourceVersion: this.resourceVersion, labelSelector: this.options.labelSelector, timeoutSeconds },
      (event) => {
        this.apply(event);
      },
      this.abort.signal,
      (timeoutSeconds + 30) * 1000,
    );
  }
}
