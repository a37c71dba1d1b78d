import { clone, isObject, stringField, type JsonObject } from './json.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  revision: number;
  key: string;
  type: EventType;
  object: JsonObject;
  /** The object before a MODIFIED/DELETED change, so selector watches can see objects leave their set. */
  previous?: JsonObject;
}

export interface Subscriber {
  key: string;
  onEvent(event: StoredEvent): void;
}

export function objectId(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function identityOf(object: JsonObject): { namespace: string | undefined; name: string; uid: string } {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  return {
    namespace: stringField(metadata, 'namespace'),
    name: stringField(metadata, 'name') ?? '',
    uid: stringField(metadata, 'uid') ?? '',
  };
}

/**
 * Objects of every resource, one global monotonic resourceVersion, and a bounded history of
 * changes that watches replay from. History older than the window is "compacted": watching from
 * a resourceVersion before it answers 410 Gone, as etcd compaction does on a real cluster.
 */
export class ObjectStore {
  private revision: number;
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  private readonly byUid = new Map<string, { key: string; id: string }>();
  private history: StoredEvent[] = [];
  private compactedRevision: number;
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    private historyLimit: number,
    startRevision = 1000,
  ) {
    this.revision = startRevision;
    this.compactedRevision = startRevision;
  }

  get currentRevision(): number {
    return this.revision;
  }

  /** Oldest resourceVersion a watch may still start from. */
  get oldestWatchableRevision(): number {
    return this.compactedRevision;
  }

  setHistoryLimit(limit: number): void {
    this.historyLimit = Math.max(0, limit);
    this.trim();
  }

  /** Forgets all history now: every watch from an earlier resourceVersion gets 410 Gone. */
  compact(): void {
    this.history = [];
    this.compactedRevision = this.revision;
  }

  get(key: string, namespace: string | undefined, name: string): JsonObject | undefined {
    return this.objects.get(key)?.get(objectId(namespace, name));
  }

  list(key: string, namespace?: string): JsonObject[] {
    const bucket = this.objects.get(key);
    if (!bucket) return [];
    const all = [...bucket.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => object);
    return namespace === undefined ? all : all.filter((object) => identityOf(object).namespace === namespace);
  }

  /** Every stored object of every resource, with its resource key. */
  *entries(): Generator<[string, JsonObject]> {
    for (const [key, bucket] of this.objects) for (const object of bucket.values()) yield [key, object];
  }

  findByUid(uid: string): JsonObject | undefined {
    const location = this.byUid.get(uid);
    return location ? this.objects.get(location.key)?.get(location.id) : undefined;
  }

  /** Stores a new or changed object under a fresh resourceVersion and notifies watches. */
  put(key: string, object: JsonObject, previous: JsonObject | undefined): JsonObject {
    this.revision += 1;
    const stored = clone(object);
    const metadata = isObject(stored.metadata) ? stored.metadata : (stored.metadata = {});
    metadata.resourceVersion = String(this.revision);
    const { namespace, name, uid } = identityOf(stored);
    const id = objectId(namespace, name);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    bucket.set(id, stored);
    this.byUid.set(uid, { key, id });
    this.record({
      revision: this.revision,
      key,
      type: previous ? 'MODIFIED' : 'ADDED',
      object: stored,
      ...(previous ? { previous } : {}),
    });
    return clone(stored);
  }

  remove(key: string, object: JsonObject): JsonObject {
    this.revision += 1;
    const { namespace, name, uid } = identityOf(object);
    this.objects.get(key)?.delete(objectId(namespace, name));
    this.byUid.delete(uid);
    const gone = clone(object);
    const metadata = isObject(gone.metadata) ? gone.metadata : (gone.metadata = {});
    metadata.resourceVersion = String(this.revision);
    this.record({ revision: this.revision, key, type: 'DELETED', object: gone, previous: object });
    return clone(gone);
  }

  /** Events after `revision` for one resource, or 'expired' when history no longer reaches back that far. */
  eventsSince(key: string, revision: number): StoredEvent[] | 'expired' {
    if (revision < this.compactedRevision) return 'expired';
    return this.history.filter((event) => event.key === key && event.revision > revision);
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    this.trim();
    for (const subscriber of [...this.subscribers]) {
      if (subscriber.key === event.key) subscriber.onEvent(event);
    }
  }

  private trim(): void {
    const excess = this.history.length - this.historyLimit;
    if (excess <= 0) return;
    const dropped = this.history.splice(0, excess);
    const last = dropped[dropped.length - 1];
    if (last) this.compactedRevision = last.revision;
  }
}
