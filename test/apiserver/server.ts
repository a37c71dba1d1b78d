import { KnativeSimulator } from './knative-simulator.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { readCrdDirectory } from './crd-files.js';
import {
  DeploymentSimulator,
  type DeploymentSimulationOptions,
  type RolloutBehaviour,
} from './deployment-simulator.js';
import {
  coreVersions,
  group,
  groupList,
  openApiV2,
  openApiV3Document,
  openApiV3Index,
  resourceList,
  versionInfo,
} from './discovery.js';
import { notAcceptable } from './accept.js';
import { ApiError, statusBody } from './errors.js';
import { FaultInjector, isWrite } from './faults.js';
import type { JsonObject } from './json.js';
import { ResourceService } from './objects.js';
import { ResourceHandler, type Reply } from './resource-handler.js';
import { builtinResourceTypes, ResourceRegistry, typeKey } from './resources.js';
import { parseResourcePath, splitGroupVersion } from './routes.js';
import {
  fallbackSerinCanaryCrd,
  flaggerCanaryCrd,
  flaggerMetricTemplateCrd,
  flaggerAlertProviderCrd,
  autoscalerCrds,
  routingCrds,
} from './standard-crds.js';
import { ExternalMetricsApi } from './external-metrics.js';
import { ObjectStore } from './store.js';
import type { WatchStream } from './watch.js';

export interface TestApiServerOptions {
  /** Directories of CRD YAML to register at start; default: the repository's deploy/crds when it exists. */
  crdDirectories?: string[];
  /** Register Istio, Gateway API and Flagger CRDs (default true). */
  standardCrds?: boolean;
  /** Watch history kept, in events; older resourceVersions get 410 Gone (default 1000). */
  historyLimit?: number;
  /** How often open watches that asked for bookmarks get one, in ms (default 5000; 0 = only on demand). */
  bookmarkIntervalMs?: number;
  /**
   * How a watch from a too-old resourceVersion fails: 'event' (default, what kube-apiserver's watch
   * cache does: HTTP 200, then an ERROR event with a 410 Status) or 'http' (an HTTP 410 response).
   */
  watchExpiry?: 'event' | 'http';
  /** Require `Authorization: Bearer <token>` on every request. */
  token?: string;
  /** The user SelfSubjectReview reports for every caller (default `serin-test-admin`). */
  username?: string;
  /** Creating into a namespace that does not exist is 404, as on a cluster (default true). */
  requireNamespaces?: boolean;
  /** Namespaces that exist at start (default default, kube-system, kube-public). */
  namespaces?: string[];
  deployments?: DeploymentSimulationOptions;
  /** Nodes that exist at start, `node-0`, `node-1`, ... (default 3): where DaemonSets run their pods. */
  nodes?: number;
  /** Cascade deletion to dependents through ownerReferences (default true). */
  garbageCollection?: boolean;
  /** Serve the external metrics API, as a cluster with a metrics adapter does (default false). */
  externalMetrics?: boolean;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Most recent requests kept in `requests` (default 100000), so long benchmarks stay bounded. */
  requestLogLimit?: number;
  /**
   * Serve a few controls over HTTP under `/_serin-test/`, for a server running in another process
   * (benchmarks): request counts, clearing them, dropping watches, expiring history. Off by default.
   */
  exposeControls?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  contentType: string | undefined;
  fieldManager: string | undefined;
  /** The client's User-Agent header (which process sent it, when several share the server). */
  userAgent: string | undefined;
  watch: boolean;
  status: number;
  time: number;
}

const REPOSITORY_CRDS = join(import.meta.dirname, '..', '..', 'deploy', 'crds');
const MAX_BODY = 10 * 1024 * 1024;
const CONTROL_PREFIX = '/_serin-test/';

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY)
        reject(new ApiError(413, 'RequestEntityTooLarge', 'the request body is larger than 10 MiB'));
      else chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: JsonObject,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function requestRecord(request: IncomingMessage, url: URL): RequestRecord {
  const watch = url.searchParams.get('watch');
  return {
    method: request.method ?? 'GET',
    path: url.pathname,
    query: url.search,
    contentType: request.headers['content-type'],
    fieldManager: url.searchParams.get('fieldManager') ?? undefined,
    userAgent: request.headers['user-agent'],
    watch: watch === 'true' || watch === '1' || url.pathname.includes('/watch/'),
    status: 0,
    time: Date.now(),
  };
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An in-process Kubernetes API server over node:http. It speaks the wire protocol client-node and
 * kubectl use (discovery, CRUD, list/watch, patches, status, scale) and lets tests inject faults.
 */
export class TestApiServer {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;
  readonly service: ResourceService;
  readonly faults = new FaultInjector();
  readonly deployments: DeploymentSimulator;
  /** Knative Serving's controllers for serving.knative.dev Services (knative-simulator.ts). */
  readonly knative: KnativeSimulator;
  /** `external.metrics.k8s.io`, served when enabled or once a test sets a metric. */
  readonly externalMetrics: ExternalMetricsApi;
  /** Every request received, in order (watch requests included, with watch: true). */
  readonly requests: RequestRecord[] = [];
  private readonly watches = new Set<WatchStream>();
  private readonly sockets = new Set<Socket>();
  private readonly handler: ResourceHandler;
  private server: Server | undefined;
  private boundPort = 0;

  constructor(private readonly options: TestApiServerOptions = {}) {
    this.store = new ObjectStore(options.historyLimit ?? 1000);
    this.registry = new ResourceRegistry(builtinResourceTypes());
    this.service = new ResourceService(this.store, this.registry, {
      requireNamespaces: options.requireNamespaces ?? true,
      garbageCollection: options.garbageCollection ?? true,
    });
    this.deployments = new DeploymentSimulator(this.service, options.deployments);
    this.externalMetrics = new ExternalMetricsApi(options.externalMetrics === true);
    this.knative = new KnativeSimulator(this.service);
    this.service.onChange = (key, object) => {
      this.deployments.observe(key, object);
      this.knative.observe(key, object);
    };
    // kube-apiserver tears down a removed CRD's storage, which ends every watch on it.
    this.service.onTypeRemoved = (key) => {
      for (const stream of this.watches) if (stream.key === key) stream.end();
    };
    this.handler = new ResourceHandler({
      service: this.service,
      watches: this.watches,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000,
      watchExpiry: options.watchExpiry ?? 'event',
    });
    this.seed();
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The bearer token clients must send, when the server was started with one. */
  get token(): string | undefined {
    return this.options.token;
  }

  private seed(): void {
    const system = { manager: 'kube-apiserver', dryRun: false };
    const namespaces = {
      type: this.registry.byKey(typeKey('', 'namespaces'))!,
      version: 'v1',
      namespace: undefined,
    };
    for (const name of this.options.namespaces ?? ['default', 'kube-system', 'kube-public']) {
      this.service.create(namespaces, { metadata: { name } }, system);
    }
    const nodes = { type: this.registry.byKey(typeKey('', 'nodes'))!, version: 'v1', namespace: undefined };
    for (let index = 0; index < (this.options.nodes ?? 3); index += 1) {
      const name = `node-${String(index)}`;
      const labels = {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      };
      this.service.create(nodes, { metadata: { name, labels } }, system);
    }
    const crds: JsonObject[] =
      this.options.standardCrds === false
        ? []
        : [
            ...routingCrds(),
            ...autoscalerCrds(),
            flaggerCanaryCrd(),
            flaggerMetricTemplateCrd(),
            flaggerAlertProviderCrd(),
          ];
    const directories = this.options.crdDirectories ?? (existsSync(REPOSITORY_CRDS) ? [REPOSITORY_CRDS] : []);
    for (const directory of directories) crds.push(...readCrdDirectory(directory));
    if (this.options.standardCrds !== false && !this.registry.byKey(typeKey('serin.dev', 'canaries'))) {
      if (!crds.some((crd) => (crd.metadata as JsonObject | undefined)?.name === 'canaries.serin.dev')) {
        crds.push(fallbackSerinCanaryCrd());
      }
    }
    for (const crd of crds) this.registerCrd(crd);
  }

  /** Registers a CustomResourceDefinition as if it had been POSTed (replacing one with the same name). */
  registerCrd(crd: JsonObject): void {
    const type = this.registry.byKey(typeKey('apiextensions.k8s.io', 'customresourcedefinitions'))!;
    const ref = { type, version: 'v1', namespace: undefined };
    const name = (crd.metadata as JsonObject | undefined)?.name;
    if (typeof name === 'string' && this.store.get(typeKey(type.group, type.plural), undefined, name)) {
      this.service.delete(ref, name, { dryRun: false });
    }
    this.service.create(ref, crd, { manager: 'kube-apiserver', dryRun: false });
  }

  /** Registers every CRD found in the YAML files of a directory. */
  loadCrdDirectory(directory: string): number {
    const crds = readCrdDirectory(directory);
    for (const crd of crds) this.registerCrd(crd);
    return crds.length;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      void this.dispatch(request, response);
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort || (this.options.port ?? 0), '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and cuts every connection: clients get "connection refused" until `comeUp()`. */
  async goDown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    this.dropWatches({ abrupt: true });
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Listens again on the same port after `goDown()`; the data survives, as etcd would. */
  async comeUp(): Promise<void> {
    if (this.server) return;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.start();
        return;
      } catch (error) {
        if (attempt >= 50) throw error;
        await delay(100);
      }
    }
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  async stop(): Promise<void> {
    this.deployments.stop();
    this.knative.stop();
    await this.goDown();
  }

  /** Ends every open watch; `abrupt` resets the connections instead of ending the responses cleanly. */
  dropWatches(options: { abrupt?: boolean } = {}): number {
    const open = [...this.watches];
    for (const stream of open) {
      if (options.abrupt === true) stream.destroy();
      else stream.end();
    }
    return open.length;
  }

  get openWatchCount(): number {
    return this.watches.size;
  }

  /** Sends a BOOKMARK now on every open watch that allowed bookmarks. */
  sendBookmarks(): void {
    for (const stream of this.watches) stream.sendBookmark();
  }

  /** Forgets watch history: a watch from any earlier resourceVersion gets 410 Gone. */
  expireHistory(): void {
    this.store.compact();
  }

  setHistoryLimit(events: number): void {
    this.store.setHistoryLimit(events);
  }

  setDeploymentBehaviour(namespace: string, name: string, behaviour: RolloutBehaviour): void {
    this.deployments.setBehaviour(namespace, name, behaviour);
  }

  /** Writes (POST, PUT, PATCH, DELETE) received, optionally only those matching a path fragment. */
  writes(pathIncludes?: string): RequestRecord[] {
    return this.requests.filter(
      (entry) => isWrite(entry.method) && (pathIncludes === undefined || entry.path.includes(pathIncludes)),
    );
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://127.0.0.1');
    } catch {
      const message = `the request URL ${JSON.stringify(request.url ?? '')} is not valid`;
      sendJson(response, 400, statusBody(400, 'BadRequest', message));
      return;
    }
    const method = request.method ?? 'GET';
    if (this.options.exposeControls === true && url.pathname.startsWith(CONTROL_PREFIX)) {
      this.control(method, url.pathname.slice(CONTROL_PREFIX.length), response);
      return;
    }
    const record = requestRecord(request, url);
    this.requests.push(record);
    const excess = this.requests.length - (this.options.requestLogLimit ?? 100_000);
    if (excess > 0) this.requests.splice(0, excess);
    try {
      const body = await readBody(request);
      if ((request.headers['content-type'] ?? '').includes('protobuf')) {
        // kubectl's typed generators (create configmap, ...) send protobuf, which is not decoded here.
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
        );
      }
      const unacceptable = notAcceptable(request.headers.accept);
      if (unacceptable !== undefined) throw new ApiError(406, 'NotAcceptable', unacceptable);
      const latency = this.faults.latencyFor(method, url.pathname);
      if (latency > 0) await delay(latency);
      const reply = this.route(request, response, url, body);
      record.status = reply ? reply.status : 200;
      if (reply) sendJson(response, reply.status, reply.body);
    } catch (error) {
      const apiError = asApiError(error);
      record.status = apiError.code;
      if (!response.headersSent) sendJson(response, apiError.code, apiError.toStatus());
      else response.destroy();
    }
  }

  /** The HTTP face of the controls; these requests are not logged. */
  private control(method: string, action: string, response: ServerResponse): void {
    const key = `${method} ${action}`;
    if (key === 'GET requests') {
      const byMethod: Record<string, number> = {};
      for (const entry of this.requests) byMethod[entry.method] = (byMethod[entry.method] ?? 0) + 1;
      sendJson(response, 200, { total: this.requests.length, writes: this.writes().length, byMethod });
    } else if (key === 'DELETE requests') {
      const cleared = this.requests.length;
      this.clearRequests();
      sendJson(response, 200, { cleared });
    } else if (key === 'POST watches/drop') {
      sendJson(response, 200, { dropped: this.dropWatches() });
    } else if (key === 'POST history/expire') {
      this.expireHistory();
      sendJson(response, 200, { expired: true });
    } else {
      const message = `unknown control ${key}: use GET|DELETE requests, POST watches/drop, POST history/expire`;
      sendJson(response, 404, statusBody(404, 'NotFound', message));
    }
  }

  private route(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    body: string,
  ): Reply | undefined {
    const method = request.method ?? 'GET';
    const path = url.pathname;
    if (
      this.options.token !== undefined &&
      request.headers.authorization !== `Bearer ${this.options.token}`
    ) {
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    }
    const failure = this.faults.takeFailure(method, path);
    if (failure !== undefined) {
      throw new ApiError(
        failure,
        failure === 429 ? 'TooManyRequests' : 'InternalError',
        `injected failure (${failure}) for ${method} ${path}`,
      );
    }
    if (this.faults.takeConflict(method, path)) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${path}: the object has been modified; please apply your changes to the latest version and try again (injected)`,
      );
    }
    // An aggregated API: kube-apiserver proxies its whole path prefix, discovery included.
    const external = this.externalMetrics.handle(method, path, url.searchParams);
    if (external) return external;
    const discovery = this.discovery(path, request);
    if (discovery) return { status: 200, body: discovery };
    const review = this.selfSubjectReview(method, path, body);
    if (review) return review;
    const parsed = parseResourcePath(this.registry, path);
    return this.handler.handle(parsed, { request, response, query: url.searchParams, body });
  }

  /**
   * `kubectl auth whoami`'s API (authentication.k8s.io/v1, GA in Kubernetes 1.28): a create that
   * stores nothing and answers 201 with the caller's user info. Every caller of this server is the
   * one user its kubeconfig holds the credentials of.
   */
  private selfSubjectReview(method: string, path: string, body: string): Reply | undefined {
    if (path.replace(/\/+$/, '') !== '/apis/authentication.k8s.io/v1/selfsubjectreviews') return undefined;
    if (method !== 'POST')
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on ${path}`);
    let sent: JsonObject;
    try {
      sent = JSON.parse(body === '' ? '{}' : body) as JsonObject;
    } catch {
      throw new ApiError(400, 'BadRequest', 'the body of the request was in an unknown format');
    }
    if (sent.kind !== undefined && sent.kind !== 'SelfSubjectReview')
      throw new ApiError(
        400,
        'BadRequest',
        `expected kind SelfSubjectReview, got ${JSON.stringify(sent.kind)}`,
      );
    return {
      status: 201,
      body: {
        kind: 'SelfSubjectReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: null },
        status: { userInfo: { username: this.username, groups: ['system:masters', 'system:authenticated'] } },
      },
    };
  }

  /** Who every caller is, as SelfSubjectReview reports it. */
  get username(): string {
    return this.options.username ?? 'serin-test-admin';
  }

  private discovery(path: string, request: IncomingMessage): JsonObject | undefined {
    const trimmed = path.replace(/\/+$/, '');
    if (trimmed === '/version') return versionInfo();
    if (['/healthz', '/readyz', '/livez'].includes(trimmed)) return { status: 'ok' };
    if (trimmed === '/api') return coreVersions(request.headers.host ?? `127.0.0.1:${this.boundPort}`);
    if (trimmed === '/apis') return groupList(this.registry, this.externalMetrics.groupEntry());
    if (trimmed === '/openapi/v2') return openApiV2();
    if (trimmed === '/openapi/v3') return openApiV3Index(this.registry);
    if (trimmed.startsWith('/openapi/v3/')) {
      const split = splitGroupVersion(trimmed.slice('/openapi/v3/'.length).split('/'));
      const document =
        split && split.rest.length === 0
          ? openApiV3Document(this.registry, split.group, split.version)
          : undefined;
      if (!document)
        throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
      return document;
    }
    const segments = trimmed.split('/').filter((segment) => segment !== '');
    if (segments[0] === 'apis' && segments.length === 2) {
      const found = group(this.registry, segments[1] ?? '');
      if (!found)
        throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
      return found;
    }
    const split = splitGroupVersion(segments);
    if (split && split.rest.length === 0) {
      const found = resourceList(this.registry, split.group, split.version);
      if (!found)
        throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
      return found;
    }
    return undefined;
  }
}

export { statusBody };
