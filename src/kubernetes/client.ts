/**
 * A small JSON client for the Kubernetes REST API on top of client-node's KubeConfig (which loads
 * kubeconfig files, contexts, in-cluster service-account tokens and exec credentials).
 *
 * Why not the generated typed APIs: they turn objects into class instances (Dates, renamed fields)
 * while watch events stay raw JSON, so caches mix representations; their patch calls need a
 * content-type middleware per call; and their watch stops for good on a socket reset. The controller
 * needs exact wire objects (for server-side apply and hashing), every patch type, and a watch whose
 * end it controls, so it speaks JSON over node:http(s) with the KubeConfig's credentials.
 */
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { Resources, resourcePath, type ResourceType } from './resources.js';
import { applyIsNoop } from './apply-diff.js';

export interface ObjectMetaLike {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLike;
  [key: string]: unknown;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** An answer from the API server other than 2xx, with the `metav1.Status` reason when there was one. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.code === 409;
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.code === 410;

export type PatchType = 'merge' | 'json' | 'strategic';
const PATCH_CONTENT_TYPE: Record<PatchType | 'apply', string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export const FIELD_MANAGER = 'serin';

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** The answer is plain text (pod logs), returned as it is instead of parsed as JSON. */
  text?: boolean;
}

/** Counts what the controller asks of the API server (for /metrics and the scale benchmark). */
export interface RequestCounters {
  reads: number;
  writes: number;
}

function errorFromBody(code: number, text: string): ApiError {
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    return new ApiError(code, status.reason ?? '', status.message ?? text);
  } catch {
    return new ApiError(code, '', text.slice(0, 500) || `HTTP ${code}`);
  }
}

function queryString(query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export class KubeClient {
  private readonly server: URL;
  /** Sent with every request; names the process (the controller adds its leader identity). */
  userAgent = 'serin-controller';
  /**
   * Called before every write; throws to refuse it (fencing: a controller that may no longer hold
   * the leader lease must not write). Reads are never refused.
   */
  writeGuard: (() => void) | undefined;

  constructor(
    readonly config: KubeConfig,
    private readonly timeoutMs = 30_000,
    readonly counters: RequestCounters = { reads: 0, writes: 0 },
  ) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig: the current context names no cluster');
    this.server = new URL(cluster.server);
  }

  /** Builds the node:http(s) options for a path, with the kubeconfig's TLS material and credentials. */
  private async options(
    method: string,
    path: string,
    headers: Record<string, string>,
  ): Promise<https.RequestOptions> {
    const base = this.server.pathname.replace(/\/$/, '');
    const opts: https.RequestOptions = {
      method,
      hostname: this.server.hostname,
      port: this.server.port === '' ? undefined : Number(this.server.port),
      path: `${base}${path}`,
      headers: { Accept: 'application/json', 'User-Agent': this.userAgent, ...headers },
    };
    await this.config.applyToHTTPSOptions(opts);
    return opts;
  }

  private transport(): typeof https | typeof http {
    return this.server.protocol === 'https:' ? https : http;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (method !== 'GET') this.writeGuard?.();
    if (method === 'GET') this.counters.reads++;
    else this.counters.writes++;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    const opts = await this.options(method, `${path}${queryString(options.query)}`, headers);
    return new Promise<T>((resolve, reject) => {
      const req = this.transport().request(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code < 200 || code >= 300) {
            reject(errorFromBody(code, text));
            return;
          }
          if (options.text === true) {
            resolve(text as T);
            return;
          }
          try {
            resolve((text === '' ? {} : JSON.parse(text)) as T);
          } catch {
            reject(new ApiError(code, 'InvalidResponse', `expected JSON from ${method} ${path}`));
          }
        });
      });
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(new Error(`${method} ${path}: no answer in ${this.timeoutMs}ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * A client for one reconcile: it remembers what it read, so the several steps of a tick that
   * look at the same object cost one GET; any write through it forgets the object written.
   */
  scoped(): KubeClient {
    const scoped = new ScopedClient(this.config, this.timeoutMs, this.counters);
    scoped.userAgent = this.userAgent;
    scoped.writeGuard = this.writeGuard;
    return scoped;
  }

  /** The last lines a pod's container wrote (`pods/{name}/log`), as plain text. */
  podLog(
    namespace: string,
    pod: string,
    query: { container?: string; tailLines?: number; previous?: boolean },
  ): Promise<string> {
    return this.request<string>('GET', resourcePath(Resources.pod, namespace, pod, 'log'), {
      query,
      text: true,
    });
  }

  /** The object, or `undefined` when it does not exist. */
  async get<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', resourcePath(type, namespace, name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  list<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace?: string,
    query: { labelSelector?: string; fieldSelector?: string; resourceVersion?: string; limit?: number } = {},
  ): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>('GET', resourcePath(type, namespace), { query });
  }

  create<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.request<T>('POST', resourcePath(type, object.metadata.namespace), {
      body: object,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  replace<T extends KubeObject>(type: ResourceType, object: T, subresource?: string): Promise<T> {
    const { namespace, name } = object.metadata;
    return this.request<T>('PUT', resourcePath(type, namespace, name, subresource), {
      body: object,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  patch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
    patch: unknown,
    patchType: PatchType = 'merge',
    subresource?: string,
  ): Promise<T> {
    return this.request<T>('PATCH', resourcePath(type, namespace, name, subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPE[patchType],
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** Server-side apply under Serin's field manager; `force` takes over fields other managers own. */
  apply<T extends KubeObject>(type: ResourceType, object: T, force = true): Promise<T> {
    const { namespace, name } = object.metadata;
    return this.request<T>('PATCH', resourcePath(type, namespace, name), {
      body: object,
      contentType: PATCH_CONTENT_TYPE.apply,
      query: { fieldManager: FIELD_MANAGER, force },
    });
  }

  /**
   * Server-side apply only when it would change the live object (see apply-diff.ts: only the
   * fields Serin applies count, keyed lists by key): an idle canary must cost the API server
   * reads at most, never writes, whatever users add to objects they own.
   */
  async applyIfChanged(
    type: ResourceType,
    desired: KubeObject,
    options: { force?: boolean; exactSpec?: boolean } = {},
  ): Promise<boolean> {
    const { force = true, exactSpec = false } = options;
    const live = await this.get(type, desired.metadata.namespace ?? '', desired.metadata.name);
    const same =
      applyIsNoop(live, desired, FIELD_MANAGER) && (!exactSpec || stableEqual(live?.spec, desired.spec));
    if (same) return false;
    await this.apply(type, desired, force);
    return true;
  }

  async delete(type: ResourceType, namespace: string, name: string): Promise<boolean> {
    try {
      await this.request('DELETE', resourcePath(type, namespace, name));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Streams watch events until the server ends the stream (resolves), the signal aborts (resolves),
   * or something fails (rejects; an HTTP or in-stream 410 rejects with code 410). No event within
   * `idleMs` counts as a dead connection: half-open sockets are the classic silent watch stop.
   */
  async watch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    query: { resourceVersion?: string; labelSelector?: string; timeoutSeconds?: number },
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
    idleMs = 90_000,
  ): Promise<void> {
    this.counters.reads++;
    const path = `${resourcePath(type, namespace)}${queryString({ ...query, watch: true, allowWatchBookmarks: true })}`;
    const opts = await this.options('GET', path, {});
    return new Promise<void>((resolve, reject) => {
      // Settled exactly once, whatever order node:http reports the end of the stream in.
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        if (error && !signal.aborted) reject(error);
        else resolve();
      };
      if (signal.aborted) {
        finish();
        return;
      }
      const req = this.transport().request({ ...opts, signal }, (res) => {
        const code = res.statusCode ?? 0;
        if (code !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            finish(errorFromBody(code, Buffer.concat(chunks).toString('utf8')));
          });
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        const fail = (error: Error): void => {
          finish(error);
          res.destroy();
        };
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let newline = buffer.indexOf('\n');
          while (newline >= 0 && !settled) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            newline = buffer.indexOf('\n');
            if (line === '') continue;
            let event: WatchEvent<T>;
            try {
              event = JSON.parse(line) as WatchEvent<T>;
            } catch {
              fail(new Error(`watch ${type.plural}: the server sent a line that is not JSON`));
              return;
            }
            if (event.type === 'ERROR') {
              // An expired resourceVersion arrives as an in-stream Status with code 410.
              const status = event.object as unknown as { code?: number; reason?: string; message?: string };
              fail(new ApiError(status.code ?? 500, status.reason ?? '', status.message ?? 'watch error'));
              return;
            }
            onEvent(event);
          }
        });
        res.on('end', () => {
          finish();
        });
        res.on('error', (e) => {
          finish(e);
        });
        res.on('close', () => {
          finish(res.complete ? undefined : new Error(`watch ${type.plural}: connection closed`));
        });
      });
      req.setTimeout(idleMs, () => {
        finish(new Error(`watch ${type.plural}: no data in ${idleMs}ms`));
        req.destroy();
      });
      req.on('error', (e) => {
        finish(e);
      });
      req.end();
    });
  }
}

function stableEqual(a: unknown, b: unknown): boolean {
  return containsSubset(a, b) && containsSubset(b, a);
}

class ScopedClient extends KubeClient {
  private readonly cache = new Map<string, Promise<unknown>>();

  override async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (method !== 'GET' || options.query !== undefined) {
      // `/status` and other subresources belong to the same object.
      const objectPath = path.replace(/\/(status|scale)$/, '');
      this.cache.delete(objectPath);
      return super.request<T>(method, path, options);
    }
    let pending = this.cache.get(path) as Promise<T> | undefined;
    if (!pending) {
      pending = super.request<T>(method, path, options);
      this.cache.set(path, pending);
      pending.catch(() => this.cache.delete(path));
    }
    return structuredClone(await pending);
  }
}

/** Whether every field of `wanted` has the same value in `actual` (lists compare element-wise, same length). */
export function containsSubset(actual: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) {
    if (actual === undefined && wanted.length === 0) return true;
    return (
      Array.isArray(actual) &&
      actual.length === wanted.length &&
      wanted.every((w, i) => containsSubset(actual[i], w))
    );
  }
  if (typeof wanted === 'object' && wanted !== null) {
    if (actual === undefined && Object.keys(wanted).length === 0) return true;
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(wanted).every(([k, v]) => v === undefined || containsSubset(a[k], v));
  }
  return actual === wanted;
}

/** Loads credentials like kubectl: --kubeconfig, then $KUBECONFIG, ~/.kube/config, then in-cluster. */
export function loadKubeConfig(
  options: { kubeconfig?: string | undefined; context?: string | undefined } = {},
): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context))
      throw new Error(`kubeconfig: no context named "${options.context}"`);
    kc.setCurrentContext(options.context);
  }
  return kc;
}
