import type { IncomingMessage, ServerResponse } from 'node:http';

import { parse as parseYaml } from 'yaml';

import { ApiError, badRequest, invalid, methodNotAllowed } from './errors.js';
import { clone, getPath, isObject, scalarText, setPath, stringField, type JsonObject } from './json.js';
import type { DeleteOptions, ResourceRef, ResourceService, Subresource, WriteOptions } from './objects.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { apiVersionOf, typeKey } from './resources.js';
import type { ResourcePath } from './routes.js';
import { labelsMatch, fieldsMatch, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { toTable, wantsTable } from './table.js';
import { WatchStream } from './watch.js';

export interface Reply {
  status: number;
  body: JsonObject;
}

export interface HandlerEnvironment {
  service: ResourceService;
  watches: Set<WatchStream>;
  bookmarkIntervalMs: number;
  /** How a watch from a too-old resourceVersion fails: an in-stream ERROR event, or HTTP 410. */
  watchExpiry: 'event' | 'http';
}

export interface IncomingCall {
  request: IncomingMessage;
  response: ServerResponse;
  query: URLSearchParams;
  body: string;
}

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(
      `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function parseBody(text: string, contentType: string): unknown {
  if (contentType.includes('yaml')) {
    try {
      return parseYaml(text) as unknown;
    } catch (error) {
      throw badRequest(
        `the request body is not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return parseJsonBody(text);
}

/** The field manager of a write: `?fieldManager=`, else the client's user agent name, as the apiserver does. */
function managerOf(call: IncomingCall): string {
  const given = call.query.get('fieldManager');
  if (given !== null && given !== '') return given;
  const agent = call.request.headers['user-agent'] ?? 'unknown';
  return agent.split('/')[0]?.trim() ?? 'unknown';
}

function writeOptions(call: IncomingCall): WriteOptions {
  return { manager: managerOf(call), dryRun: call.query.get('dryRun') === 'All' };
}

function contentTypeOf(call: IncomingCall): string {
  return (call.request.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
}

function isWatchQuery(query: URLSearchParams): boolean {
  return query.get('watch') === 'true' || query.get('watch') === '1';
}

export class ResourceHandler {
  constructor(private readonly env: HandlerEnvironment) {}

  handle(path: ResourcePath, call: IncomingCall): Reply | undefined {
    const method = call.request.method ?? 'GET';
    const ref: ResourceRef = { type: path.type, version: path.version, namespace: path.namespace };
    const { name, subresource } = path;
    if (name === undefined) return this.collection(ref, method, call, path.watchPrefix);
    if (path.watchPrefix || (method === 'GET' && isWatchQuery(call.query))) {
      this.watch(ref, call, name);
      return;
    }
    if (subresource === 'scale') return this.scale(ref, name, method, call);
    if (subresource === 'log') {
      this.podLog(ref, name, method, call);
      return;
    }
    const sub: Subresource = subresource === 'status' ? 'status' : '';
    switch (method) {
      case 'GET':
        return { status: 200, body: this.render(ref, [this.env.service.get(ref, name)], call, false) };
      case 'PUT':
        return {
          status: 200,
          body: this.env.service.update(ref, name, parseJsonBody(call.body), sub, writeOptions(call)),
        };
      case 'PATCH':
        return this.patch(ref, name, sub, call);
      case 'DELETE':
        if (sub !== '') throw methodNotAllowed(`DELETE is not supported on ${path.type.plural}/${sub}`);
        return { status: 200, body: this.delete(ref, name, call) };
      default:
        throw methodNotAllowed(`${method} is not supported on a single ${path.type.kind}`);
    }
  }

  /** `GET pods/{name}/log`: plain text, as the kubelet streams it through the apiserver. */
  private podLog(ref: ResourceRef, name: string, method: string, call: IncomingCall): void {
    if (method !== 'GET') throw methodNotAllowed(`${method} is not supported on pods/log`);
    const pod = this.env.service.store.get('/pods', ref.namespace, name);
    const text = this.env.service.podLogs.read(ref.namespace ?? 'default', pod, name, call.query);
    call.response.writeHead(200, {
      'Content-Type': 'text/plain',
      'Content-Length': Buffer.byteLength(text),
    });
    call.response.end(text);
  }

  private collection(
    ref: ResourceRef,
    method: string,
    call: IncomingCall,
    watchPrefix: boolean,
  ): Reply | undefined {
    const watching = watchPrefix || isWatchQuery(call.query);
    if (method === 'GET' && watching) {
      this.watch(ref, call, undefined);
      return;
    }
    if (method === 'GET') return { status: 200, body: this.list(ref, call) };
    if (method === 'POST') {
      const created = this.env.service.create(
        ref,
        parseBody(call.body, contentTypeOf(call)),
        writeOptions(call),
      );
      return { status: 201, body: created };
    }
    if (method === 'DELETE') return { status: 200, body: this.deleteCollection(ref, call) };
    throw methodNotAllowed(`${method} is not supported on the ${ref.type.plural} collection`);
  }

  private selectors(ref: ResourceRef, call: IncomingCall) {
    const fields = ['metadata.name', 'metadata.namespace', ...ref.type.extraSelectableFields];
    return {
      labels: parseLabelSelector(call.query.get('labelSelector')),
      fields: parseFieldSelector(call.query.get('fieldSelector'), fields),
    };
  }

  private list(ref: ResourceRef, call: IncomingCall): JsonObject {
    const { labels, fields } = this.selectors(ref, call);
    const all = this.env.service.list(ref, labels, fields);
    const page = paginate(all, call.query.get('limit'), call.query.get('continue'));
    const revision = String(this.env.service.store.currentRevision);
    if (wantsTable(call.request.headers.accept)) {
      const table = toTable(ref.type, page.items, revision, call.query.get('includeObject') ?? 'Metadata');
      if (page.continueToken !== undefined) (table.metadata as JsonObject).continue = page.continueToken;
      return table;
    }
    return {
      kind: ref.type.listKind,
      apiVersion: apiVersionOf(ref.type.group, ref.version),
      metadata: {
        resourceVersion: revision,
        ...(page.continueToken === undefined
          ? {}
          : { continue: page.continueToken, remainingItemCount: page.remaining }),
      },
      items: page.items,
    };
  }

  private render(
    ref: ResourceRef,
    objects: JsonObject[],
    call: IncomingCall,
    forceList: boolean,
  ): JsonObject {
    if (wantsTable(call.request.headers.accept)) {
      const revision = String(this.env.service.store.currentRevision);
      return toTable(ref.type, objects, revision, call.query.get('includeObject') ?? 'Metadata');
    }
    return forceList ? { items: objects } : (objects[0] ?? {});
  }

  private watch(ref: ResourceRef, call: IncomingCall, name: string | undefined): undefined {
    const { service } = this.env;
    const selectors = this.selectors(ref, call);
    if (name !== undefined) selectors.fields.push({ field: 'metadata.name', value: name, negate: false });
    const key = typeKey(ref.type.group, ref.type.plural);
    const timeout = call.query.get('timeoutSeconds');
    const asTable = wantsTable(call.request.headers.accept);
    const present = (object: JsonObject): JsonObject => service.present(ref.type, ref.version, object);
    const stream = new WatchStream(
      service.store,
      {
        key,
        namespace: ref.namespace,
        matches: (object) => labelsMatch(selectors.labels, object) && fieldsMatch(selectors.fields, object),
        render: (object) =>
          asTable
            ? toTable(ref.type, [present(object)], String(service.store.currentRevision), 'Object')
            : present(object),
        bookmark: (resourceVersion) => ({
          kind: ref.type.kind,
          apiVersion: apiVersionOf(ref.type.group, ref.version),
          metadata: { resourceVersion },
        }),
        resourceVersion: call.query.get('resourceVersion') ?? undefined,
        allowBookmarks: call.query.get('allowWatchBookmarks') === 'true',
        bookmarkIntervalMs: this.env.bookmarkIntervalMs,
        expiredAsHttpStatus: this.env.watchExpiry === 'http',
        timeoutSeconds: timeout === null ? undefined : Number(timeout),
        initialObjects: () => service.list(ref, selectors.labels, selectors.fields),
      },
      call.response,
      (closed) => this.env.watches.delete(closed),
    );
    this.env.watches.add(stream);
    try {
      stream.start();
    } catch (error) {
      this.env.watches.delete(stream);
      throw error;
    }
    return undefined;
  }

  private patch(ref: ResourceRef, name: string, sub: Subresource, call: IncomingCall): Reply {
    const { service } = this.env;
    const contentType = contentTypeOf(call);
    if (contentType === 'application/apply-patch+yaml') return this.apply(ref, name, sub, call);
    const current = service.get(ref, name);
    const patchBody = parseJsonBody(call.body);
    if (patchBody === undefined) throw badRequest('the patch body is empty');
    let patched: unknown;
    if (contentType === 'application/merge-patch+json')
      patched = mergePatch(current, patchBody as JsonObject);
    else if (contentType === 'application/json-patch+json') patched = jsonPatch(current, patchBody);
    else if (contentType === 'application/strategic-merge-patch+json') {
      if (ref.type.custom) {
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      }
      patched = strategicMergePatch(current, patchBody as JsonObject);
    } else {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
    }
    return { status: 200, body: service.update(ref, name, patched, sub, writeOptions(call)) };
  }

  private apply(ref: ResourceRef, name: string, sub: Subresource, call: IncomingCall): Reply {
    const { service } = this.env;
    const manager = call.query.get('fieldManager');
    if (manager === null || manager === '') {
      throw new ApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    const applied = parseBody(call.body, 'yaml');
    if (!isObject(applied)) throw badRequest('an apply patch must be a YAML or JSON object');
    if (typeof applied.apiVersion !== 'string' || typeof applied.kind !== 'string') {
      throw badRequest('an apply patch must set apiVersion and kind');
    }
    const appliedName = stringField(isObject(applied.metadata) ? applied.metadata : undefined, 'name');
    if (appliedName !== undefined && appliedName !== name) {
      throw badRequest(
        `the name of the object (${appliedName}) does not match the name on the URL (${name})`,
      );
    }
    const options = { ...writeOptions(call), manager, force: call.query.get('force') === 'true' };
    const exists =
      service.store.get(typeKey(ref.type.group, ref.type.plural), ref.namespace, name) !== undefined;
    if (!exists && sub === '') {
      const withName = clone(applied);
      setPath(withName, 'metadata.name', name);
      return { status: 201, body: service.applyCreate(ref, withName, options) };
    }
    return { status: 200, body: service.apply(ref, name, applied, sub, options) };
  }

  private deleteOptions(call: IncomingCall): DeleteOptions {
    const body = parseJsonBody(call.body);
    const options = isObject(body) ? body : {};
    const policy =
      stringField(options, 'propagationPolicy') ?? call.query.get('propagationPolicy') ?? undefined;
    if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw badRequest(`propagationPolicy must be Background, Foreground or Orphan, not "${policy}"`);
    }
    const orphan = options.orphanDependents === true ? 'Orphan' : undefined;
    const dryRun =
      call.query.get('dryRun') === 'All' || (Array.isArray(options.dryRun) && options.dryRun.includes('All'));
    const preconditions = isObject(options.preconditions) ? options.preconditions : {};
    return {
      ...(policy !== undefined || orphan !== undefined
        ? { propagationPolicy: (policy ?? orphan) as 'Background' }
        : {}),
      preconditions: {
        ...(typeof preconditions.uid === 'string' ? { uid: preconditions.uid } : {}),
        ...(typeof preconditions.resourceVersion === 'string'
          ? { resourceVersion: preconditions.resourceVersion }
          : {}),
      },
      dryRun,
    };
  }

  private delete(ref: ResourceRef, name: string, call: IncomingCall): JsonObject {
    const result = this.env.service.delete(ref, name, this.deleteOptions(call));
    const metadata = isObject(result.metadata) ? result.metadata : {};
    // An object that waits for finalizers comes back as itself; one that is gone as a Success status.
    if (
      metadata.deletionTimestamp !== undefined &&
      this.env.service.store.get(typeKey(ref.type.group, ref.type.plural), ref.namespace, name)
    ) {
      return result;
    }
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, group: ref.type.group, kind: ref.type.plural, uid: metadata.uid ?? '' },
    };
  }

  private deleteCollection(ref: ResourceRef, call: IncomingCall): JsonObject {
    const { labels, fields } = this.selectors(ref, call);
    const options = this.deleteOptions(call);
    const items = this.env.service
      .list(ref, labels, fields)
      .map((object) =>
        this.env.service.delete(
          { ...ref, namespace: stringField(object.metadata as JsonObject, 'namespace') },
          stringField(object.metadata as JsonObject, 'name') ?? '',
          options,
        ),
      );
    return {
      kind: ref.type.listKind,
      apiVersion: apiVersionOf(ref.type.group, ref.version),
      metadata: {},
      items,
    };
  }

  private scale(ref: ResourceRef, name: string, method: string, call: IncomingCall): Reply {
    const { service } = this.env;
    const scaleSpec = ref.type.scale;
    if (!scaleSpec) throw methodNotAllowed('no scale subresource');
    const object = service.get(ref, name);
    const current = scaleOf(
      object,
      scaleSpec.specReplicasPath,
      scaleSpec.statusReplicasPath,
      scaleSpec.labelSelectorPath,
    );
    if (method === 'GET') return { status: 200, body: current };
    let wanted: unknown;
    if (method === 'PUT') wanted = parseJsonBody(call.body);
    else if (method === 'PATCH') {
      const patchBody = parseJsonBody(call.body);
      wanted =
        contentTypeOf(call) === 'application/json-patch+json'
          ? jsonPatch(current, patchBody)
          : mergePatch(current, patchBody as JsonObject);
    } else throw methodNotAllowed(`${method} is not supported on ${ref.type.plural}/scale`);
    const replicas = getPath(wanted, 'spec.replicas');
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid(
        'Scale',
        'autoscaling',
        name,
        'spec.replicas',
        `Invalid value: ${JSON.stringify(replicas)}: must be a non-negative integer`,
      );
    }
    const next = clone(object);
    setPath(next, scaleSpec.specReplicasPath, replicas);
    const requestedVersion = getPath(wanted, 'metadata.resourceVersion');
    setPath(
      next,
      'metadata.resourceVersion',
      typeof requestedVersion === 'string'
        ? requestedVersion
        : scalarText(getPath(object, 'metadata.resourceVersion')),
    );
    const updated = service.update(ref, name, next, '', writeOptions(call));
    return {
      status: 200,
      body: scaleOf(
        updated,
        scaleSpec.specReplicasPath,
        scaleSpec.statusReplicasPath,
        scaleSpec.labelSelectorPath,
      ),
    };
  }
}

function scaleOf(
  object: JsonObject,
  specPath: string,
  statusPath: string,
  selectorPath: string | undefined,
): JsonObject {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const selector = selectorPath === undefined ? undefined : getPath(object, selectorPath);
  const matchLabels = isObject(selector) && isObject(selector.matchLabels) ? selector.matchLabels : undefined;
  const selectorText = matchLabels
    ? Object.entries(matchLabels)
        .map(([key, value]) => `${key}=${scalarText(value)}`)
        .join(',')
    : typeof selector === 'string'
      ? selector
      : '';
  const statusReplicas = getPath(object, statusPath);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      creationTimestamp: metadata.creationTimestamp,
    },
    spec: { replicas: (getPath(object, specPath) as number | undefined) ?? 0 },
    status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0, selector: selectorText },
  };
}

interface Page {
  items: JsonObject[];
  continueToken: string | undefined;
  remaining: number;
}

/** `limit` / `continue` over the name-sorted list; the token names the last item returned. */
function paginate(items: JsonObject[], limitText: string | null, token: string | null): Page {
  let start = 0;
  if (token !== null && token !== '') {
    let after: unknown;
    try {
      after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw badRequest(`continue token "${token}" is not valid`);
    }
    if (typeof after !== 'string') throw badRequest(`continue token "${token}" is not valid`);
    const idOf = (object: JsonObject): string =>
      `${scalarText(getPath(object, 'metadata.namespace'))}/${scalarText(getPath(object, 'metadata.name'))}`;
    start = items.findIndex((object) => idOf(object) > after);
    if (start < 0) start = items.length;
  }
  const limit = limitText === null ? 0 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0)
    throw badRequest(`limit must be a non-negative integer, not "${limitText ?? ''}"`);
  if (limit === 0 || start + limit >= items.length)
    return { items: items.slice(start), continueToken: undefined, remaining: 0 };
  const page = items.slice(start, start + limit);
  const last = page[page.length - 1] ?? {};
  const lastId = `${scalarText(getPath(last, 'metadata.namespace'))}/${scalarText(getPath(last, 'metadata.name'))}`;
  return {
    items: page,
    continueToken: Buffer.from(JSON.stringify(lastId)).toString('base64url'),
    remaining: items.length - start - limit,
  };
}
