import { randomUUID } from 'node:crypto';

import { validateCelRules } from './cel.js';
import { PodLogs } from './pod-logs.js';
import { applyCreateDefaults, applyUpdateDefaults, checkLeaseTimes } from './defaults.js';
import { alreadyExists, ApiError, badRequest, conflict, invalid, invalidFields, notFound } from './errors.js';
import {
  clone,
  deepEqual,
  isObject,
  scalarText,
  stringField,
  type JsonObject,
  type JsonValue,
} from './json.js';
import { builtinListTypes, schemaListTypes } from './list-types.js';
import { annotationCauses, labelCauses } from './metadata-validation.js';
import { ingressCauses } from './ingress-validation.js';
import { servicePortCauses } from './service-validation.js';
import { knativeServiceCauses } from './knative-crd.js';
import { recordUpdate, serverSideApply, type FieldScope } from './managed-fields.js';
import {
  apiVersionOf,
  resourceTypeFromCrd,
  typeKey,
  type ResourceRegistry,
  type ResourceType,
} from './resources.js';
import { applySchemaDefaults, pruneObject, validateObject } from './structural-schema.js';
import { fieldsMatch, labelsMatch, type FieldRequirement, type LabelRequirement } from './selectors.js';
import { identityOf, type ObjectStore } from './store.js';

export type Subresource = '' | 'status';

export interface WriteOptions {
  manager: string;
  dryRun: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

export interface ResourceRef {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const CRD_KEY = typeKey('apiextensions.k8s.io', 'customresourcedefinitions');
const NAMESPACE_KEY = typeKey('', 'namespaces');

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function meta(object: JsonObject): JsonObject {
  return isObject(object.metadata) ? object.metadata : (object.metadata = {});
}

function finalizersOf(object: JsonObject): string[] {
  const list = meta(object).finalizers;
  return Array.isArray(list) ? list.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** Everything but metadata and status: a change here is a new generation. */
/** managedFields without their timestamps, which kube-apiserver ignores when it detects a no-op write. */
function untimed(managedFields: JsonValue | undefined): JsonValue | undefined {
  if (!Array.isArray(managedFields)) return managedFields;
  return managedFields.map((entry) => (isObject(entry) ? { ...entry, time: undefined } : entry));
}

function specPart(object: JsonObject): JsonObject {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return rest;
}

/**
 * The semantics of the apiserver on top of the store: validation, defaults, status subresource,
 * generation, resourceVersion preconditions, managedFields, finalizers, garbage collection and CRDs.
 */
/** Validation kube-apiserver does on built-in kinds Serin writes, by `group/plural`. */
const BUILTIN_VALIDATION: Record<
  string,
  (object: JsonObject) => { reason: string; field: string; message: string }[]
> = {
  '/services': servicePortCauses,
  'networking.k8s.io/ingresses': ingressCauses,
};

/** Validating webhooks of projects whose custom kinds Serin writes (Knative's, on its Services). */
const WEBHOOK_VALIDATION: typeof BUILTIN_VALIDATION = {
  'serving.knative.dev/services': knativeServiceCauses,
};

export class ResourceService {
  private serviceIpCounter = 10;
  /** Called after every stored change; the deployment simulation listens here. */
  onChange: (key: string, object: JsonObject) => void = () => undefined;
  /** The containers' output served by `pods/{name}/log`; the pod simulator writes it. */
  readonly podLogs = new PodLogs();
  /** Called when a CRD's resource stops being served (its open watches must end, as on a cluster). */
  onTypeRemoved: (key: string) => void = () => undefined;

  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    private readonly options: { requireNamespaces: boolean; garbageCollection: boolean },
  ) {}

  /**
   * The object as a client asked for it: the requested apiVersion and kind, pruned and defaulted
   * by that version's schema, as kube-apiserver does when it reads a custom resource from etcd.
   */
  present(type: ResourceType, version: string, object: JsonObject): JsonObject {
    const { apiVersion: _apiVersion, kind: _kind, ...rest } = clone(object);
    const presented = { apiVersion: apiVersionOf(type.group, version), kind: type.kind, ...rest };
    const schema = type.schemas?.[version];
    return schema ? applySchemaDefaults(pruneObject(presented, schema), schema) : presented;
  }

  /**
   * Write path of a schema'd custom resource: prune, default, then validate by the schema and its
   * CEL rules (422 naming each field); `previous` is the stored object on an update.
   */
  private conform(ref: ResourceRef, object: JsonObject, previous?: JsonObject): JsonObject {
    const badLabels = [...labelCauses(meta(object)), ...annotationCauses(meta(object))];
    if (badLabels.length > 0) {
      throw invalidFields(ref.type.kind, ref.type.group, stringField(meta(object), 'name') ?? '', badLabels);
    }
    const schema = ref.type.schemas?.[ref.version];
    if (!schema) return object;
    const conformed = applySchemaDefaults(pruneObject(object, schema), schema);
    const old = previous === undefined ? undefined : this.present(ref.type, ref.version, previous);
    const causes = [...validateObject(conformed, schema), ...validateCelRules(conformed, schema, old)];
    if (causes.length > 0) {
      const name = stringField(meta(conformed), 'name') ?? '';
      throw invalidFields(ref.type.kind, ref.type.group, name, causes);
    }
    return conformed;
  }

  get(ref: ResourceRef, name: string): JsonObject {
    const object = this.store.get(typeKey(ref.type.group, ref.type.plural), ref.namespace, name);
    if (!object) throw notFound(ref.type.plural, ref.type.group, name);
    return this.present(ref.type, ref.version, object);
  }

  list(ref: ResourceRef, labels: LabelRequirement[], fields: FieldRequirement[]): JsonObject[] {
    return this.store
      .list(typeKey(ref.type.group, ref.type.plural), ref.namespace)
      .filter((object) => labelsMatch(labels, object) && fieldsMatch(fields, object))
      .map((object) => this.present(ref.type, ref.version, object));
  }

  create(ref: ResourceRef, body: unknown, options: WriteOptions): JsonObject {
    const object = this.prepareCreate(ref, body);
    recordUpdate(undefined, object, this.writeContext(ref, options.manager, ''));
    return this.insert(ref, object, options.dryRun);
  }

  /** Server-side apply that creates the object. */
  applyCreate(ref: ResourceRef, applied: JsonObject, options: WriteOptions & { force: boolean }): JsonObject {
    // The applier owns what it sent, not what defaulting adds afterwards (clusterIP, type, protocol).
    this.checkTypeFields(ref, applied);
    const withFields = serverSideApply({
      existing: {},
      applied: { ...applied, metadata: { ...meta(applied), managedFields: undefined } },
      force: options.force,
      context: this.writeContext(ref, options.manager, ''),
      kind: ref.type.kind,
      name: stringField(meta(applied), 'name') ?? '',
    });
    const managedFields = meta(withFields).managedFields;
    const object = this.prepareCreate(ref, withFields);
    return this.insert(ref, { ...object, metadata: { ...meta(object), managedFields } }, options.dryRun);
  }

  private insert(ref: ResourceRef, object: JsonObject, dryRun: boolean): JsonObject {
    const key = typeKey(ref.type.group, ref.type.plural);
    if (key === CRD_KEY) this.registerCrd(object);
    if (dryRun) return this.present(ref.type, ref.version, object);
    const stored = this.store.put(key, object, undefined);
    this.onChange(key, stored);
    return this.present(ref.type, ref.version, stored);
  }

  private prepareCreate(ref: ResourceRef, body: unknown): JsonObject {
    const { type } = ref;
    if (!isObject(body)) throw badRequest(`the body of the request is not a ${type.kind} object`);
    const object = clone(body);
    this.checkTypeFields(ref, object);
    const metadata = meta(object);
    const generateName = stringField(metadata, 'generateName');
    if (stringField(metadata, 'name') === undefined && generateName !== undefined) {
      metadata.name = `${generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = stringField(metadata, 'name');
    if (name === undefined || name === '') {
      throw invalid(
        type.kind,
        type.group,
        '',
        'metadata.name',
        'Required value: name or generateName is required',
      );
    }
    if (!NAME.test(name) || name.length > 253) {
      throw invalid(
        type.kind,
        type.group,
        name,
        'metadata.name',
        `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      );
    }
    this.placeInNamespace(ref, metadata);
    if (this.store.get(typeKey(type.group, type.plural), ref.namespace, name)) {
      throw alreadyExists(type.plural, type.group, name);
    }
    for (const field of [
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'managedFields',
    ]) {
      metadata[field] = undefined;
    }
    metadata.uid = randomUUID();
    metadata.creationTimestamp = nowIso();
    if (type.statusSubresource || type.custom) metadata.generation = 1;
    if (type.statusSubresource) delete object.status;
    applyCreateDefaults(typeKey(type.group, type.plural), object, () => this.nextServiceIp());
    if (type.plural === 'leases') checkLeaseTimes(object);
    this.checkBuiltin(ref, object);
    object.apiVersion = apiVersionOf(type.group, ref.version);
    object.kind = type.kind;
    return this.conform(ref, JSON.parse(JSON.stringify(object)) as JsonObject);
  }

  private placeInNamespace(ref: ResourceRef, metadata: JsonObject): void {
    if (!ref.type.namespaced) {
      delete metadata.namespace;
      return;
    }
    const given = stringField(metadata, 'namespace');
    if (given !== undefined && given !== '' && given !== ref.namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (ref.namespace === undefined)
      throw badRequest(`${ref.type.kind} is namespaced: the request must name a namespace`);
    metadata.namespace = ref.namespace;
    const namespace = this.store.get(NAMESPACE_KEY, undefined, ref.namespace);
    if (this.options.requireNamespaces && !namespace) throw notFound('namespaces', '', ref.namespace);
    if (namespace && isObject(namespace.metadata) && namespace.metadata.deletionTimestamp !== undefined) {
      throw new ApiError(
        403,
        'Forbidden',
        `unable to create new content in namespace ${ref.namespace} because it is being terminated`,
      );
    }
  }

  private checkTypeFields(ref: ResourceRef, object: JsonObject): void {
    const expected = ref.type.versions.map((version) => apiVersionOf(ref.type.group, version));
    const apiVersion = object.apiVersion;
    if (apiVersion !== undefined && (typeof apiVersion !== 'string' || !expected.includes(apiVersion))) {
      throw badRequest(
        `the API version in the data (${scalarText(apiVersion)}) does not match the expected API version (${apiVersionOf(ref.type.group, ref.version)})`,
      );
    }
    if (object.kind !== undefined && object.kind !== ref.type.kind) {
      throw badRequest(
        `the kind in the data (${scalarText(object.kind)}) does not match the expected kind (${ref.type.kind})`,
      );
    }
    if (object.metadata !== undefined && !isObject(object.metadata))
      throw badRequest('metadata must be an object');
  }

  /** Validation kube-apiserver does on built-in kinds that Serin's writes can trip (Service ports). */
  private checkBuiltin(ref: ResourceRef, object: JsonObject): void {
    const key = typeKey(ref.type.group, ref.type.plural);
    const check = ref.type.custom ? WEBHOOK_VALIDATION[key] : BUILTIN_VALIDATION[key];
    if (!check) return;
    const causes = check(object);
    if (causes.length > 0) {
      throw invalidFields(ref.type.kind, ref.type.group, stringField(meta(object), 'name') ?? '', causes);
    }
  }

  private nextServiceIp(): string {
    this.serviceIpCounter += 1;
    return `10.96.${Math.floor(this.serviceIpCounter / 250)}.${(this.serviceIpCounter % 250) + 1}`;
  }

  private writeContext(ref: ResourceRef, manager: string, subresource: Subresource) {
    const key = typeKey(ref.type.group, ref.type.plural);
    const listTypes = ref.type.custom
      ? schemaListTypes(ref.type.schemas?.[ref.version])
      : builtinListTypes(key);
    const scope: FieldScope = { listTypes, subresource, omitEmptyMaps: !ref.type.custom };
    return { manager, apiVersion: apiVersionOf(ref.type.group, ref.version), scope, now: nowIso() };
  }

  current(ref: ResourceRef, name: string): JsonObject {
    const object = this.store.get(typeKey(ref.type.group, ref.type.plural), ref.namespace, name);
    if (!object) throw notFound(ref.type.plural, ref.type.group, name);
    return object;
  }

  /** PUT, and the second half of every PATCH: `body` is the complete new object. */
  update(
    ref: ResourceRef,
    name: string,
    body: unknown,
    subresource: Subresource,
    options: WriteOptions,
  ): JsonObject {
    const previous = this.current(ref, name);
    if (!isObject(body)) throw badRequest(`the body of the request is not a ${ref.type.kind} object`);
    const next = this.prepareUpdate(ref, previous, clone(body), subresource);
    recordUpdate(previous, next, this.writeContext(ref, options.manager, subresource));
    return this.commit(ref, previous, next, options.dryRun);
  }

  /** Server-side apply onto an existing object. */
  apply(
    ref: ResourceRef,
    name: string,
    applied: JsonObject,
    subresource: Subresource,
    options: WriteOptions & { force: boolean },
  ): JsonObject {
    const previous = this.current(ref, name);
    this.checkTypeFields(ref, applied);
    const merged = serverSideApply({
      existing: previous,
      applied,
      force: options.force,
      context: this.writeContext(ref, options.manager, subresource),
      kind: ref.type.kind,
      name,
    });
    const managed = meta(merged).managedFields;
    const next = this.prepareUpdate(ref, previous, merged, subresource);
    meta(next).managedFields = managed;
    return this.commit(ref, previous, next, options.dryRun);
  }

  private prepareUpdate(
    ref: ResourceRef,
    previous: JsonObject,
    body: JsonObject,
    subresource: Subresource,
  ): JsonObject {
    const { type } = ref;
    this.checkTypeFields(ref, body);
    const name = identityOf(previous).name;
    const bodyMeta = meta(body);
    const bodyName = stringField(bodyMeta, 'name');
    if (bodyName !== undefined && bodyName !== name) {
      throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    }
    const requested = stringField(bodyMeta, 'resourceVersion');
    if (requested !== undefined && requested !== '' && requested !== meta(previous).resourceVersion) {
      throw conflict(type.plural, type.group, name);
    }
    const next: JsonObject = subresource === 'status' ? { ...clone(previous), status: body.status } : body;
    if (subresource !== 'status' && type.statusSubresource) next.status = clone(previous.status);
    const nextMeta = subresource === 'status' ? meta(next) : bodyMeta;
    const previousMeta = meta(previous);
    for (const field of [
      'uid',
      'creationTimestamp',
      'namespace',
      'name',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'resourceVersion',
    ]) {
      nextMeta[field] = clone(previousMeta[field]);
    }
    if (nextMeta.managedFields === undefined) nextMeta.managedFields = clone(previousMeta.managedFields);
    if (previousMeta.deletionTimestamp !== undefined) {
      const added = finalizersOf(next).filter((entry) => !finalizersOf(previous).includes(entry));
      if (added.length > 0) {
        throw invalid(
          type.kind,
          type.group,
          name,
          'metadata.finalizers',
          'Forbidden: no new finalizers can be added if the object is being deleted',
        );
      }
    }
    if (type.plural === 'leases') checkLeaseTimes(next);
    if (subresource !== 'status') applyUpdateDefaults(typeKey(type.group, type.plural), previous, next);
    this.checkBuiltin(ref, next);
    next.apiVersion = apiVersionOf(type.group, ref.version);
    next.kind = type.kind;
    const conformed = this.conform(ref, JSON.parse(JSON.stringify(next)) as JsonObject, previous);
    if (typeof previousMeta.generation === 'number' && !deepEqual(specPart(previous), specPart(conformed))) {
      meta(conformed).generation = previousMeta.generation + 1;
    }
    return conformed;
  }

  private commit(ref: ResourceRef, previous: JsonObject, next: JsonObject, dryRun: boolean): JsonObject {
    const key = typeKey(ref.type.group, ref.type.plural);
    const unchanged = deepEqual(
      { ...next, metadata: { ...meta(next), managedFields: untimed(meta(next).managedFields) } },
      { ...previous, metadata: { ...meta(previous), managedFields: untimed(meta(previous).managedFields) } },
    );
    // A write that changes nothing is not a change: no new resourceVersion, no watch event. A new
    // owner of a field is a change; only a newer timestamp on the same ownership is not.
    if (unchanged || dryRun) return this.present(ref.type, ref.version, dryRun ? next : previous);
    if (key === CRD_KEY) this.registerCrd(next);
    if (meta(next).deletionTimestamp !== undefined && finalizersOf(next).length === 0) {
      return this.present(ref.type, ref.version, this.removeNow(key, next));
    }
    const stored = this.store.put(key, next, previous);
    this.onChange(key, stored);
    return this.present(ref.type, ref.version, stored);
  }

  /** Writes done by the simulated cluster (status of Deployments, ...): no managers, no preconditions. */
  systemUpdate(key: string, next: JsonObject): void {
    const { namespace, name } = identityOf(next);
    const previous = this.store.get(key, namespace, name);
    if (!previous || deepEqual(previous, next)) return;
    const stored = this.store.put(key, next, previous);
    this.onChange(key, stored);
  }

  delete(ref: ResourceRef, name: string, options: DeleteOptions): JsonObject {
    const key = typeKey(ref.type.group, ref.type.plural);
    const object = this.current(ref, name);
    const metadata = meta(object);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid !== undefined && uid !== metadata.uid) {
      throw conflict(
        ref.type.plural,
        ref.type.group,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${scalarText(metadata.uid)}`,
      );
    }
    if (resourceVersion !== undefined && resourceVersion !== metadata.resourceVersion) {
      throw conflict(
        ref.type.plural,
        ref.type.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${scalarText(metadata.resourceVersion)}`,
      );
    }
    if (options.dryRun) return this.present(ref.type, ref.version, object);
    if (options.propagationPolicy === 'Orphan') this.orphanDependents(scalarText(metadata.uid));
    if (options.propagationPolicy === 'Foreground') this.deleteDependents(scalarText(metadata.uid));
    if (key === NAMESPACE_KEY) return this.present(ref.type, ref.version, this.deleteNamespace(object));
    if (finalizersOf(object).length > 0) {
      if (metadata.deletionTimestamp !== undefined) return this.present(ref.type, ref.version, object);
      const marked = clone(object);
      meta(marked).deletionTimestamp = nowIso();
      meta(marked).deletionGracePeriodSeconds = 0;
      const stored = this.store.put(key, marked, object);
      this.onChange(key, stored);
      return this.present(ref.type, ref.version, stored);
    }
    return this.present(ref.type, ref.version, this.removeNow(key, object));
  }

  /** Removes an object for good, then lets garbage collection and namespace cleanup follow. */
  private removeNow(key: string, object: JsonObject): JsonObject {
    const gone = this.store.remove(key, object);
    this.onChange(key, gone);
    const { uid, namespace } = identityOf(object);
    if (key === CRD_KEY) this.unregisterCrd(object);
    if (this.options.garbageCollection)
      setImmediate(() => {
        this.collectGarbage(uid);
      });
    if (namespace !== undefined) this.finishNamespaceIfEmpty(namespace);
    return gone;
  }

  private dependentsOf(uid: string): [string, JsonObject][] {
    return [...this.store.entries()].filter(([, object]) => {
      const references = meta(object).ownerReferences;
      return (
        Array.isArray(references) &&
        references.some((reference) => isObject(reference) && reference.uid === uid)
      );
    });
  }

  private deleteByKey(key: string, object: JsonObject): void {
    const type = this.registry.byKey(key);
    const { namespace, name } = identityOf(object);
    if (!type || !this.store.get(key, namespace, name)) return;
    this.delete({ type, version: type.versions[0] ?? 'v1', namespace }, name, { dryRun: false });
  }

  /** Background cascading deletion: a dependent goes once none of its owners exists any more. */
  private collectGarbage(uid: string): void {
    for (const [key, dependent] of this.dependentsOf(uid)) {
      const references = meta(dependent).ownerReferences;
      const owners = Array.isArray(references) ? references.filter(isObject) : [];
      const alive = owners.some(
        (owner) => typeof owner.uid === 'string' && this.store.findByUid(owner.uid) !== undefined,
      );
      if (!alive) this.deleteByKey(key, dependent);
    }
  }

  private deleteDependents(uid: string): void {
    for (const [key, dependent] of this.dependentsOf(uid)) this.deleteByKey(key, dependent);
  }

  private orphanDependents(uid: string): void {
    for (const [key, dependent] of this.dependentsOf(uid)) {
      const next = clone(dependent);
      const references = meta(next).ownerReferences;
      const kept = Array.isArray(references)
        ? references.filter((reference) => !(isObject(reference) && reference.uid === uid))
        : [];
      meta(next).ownerReferences = kept.length > 0 ? kept : undefined;
      this.systemUpdate(key, JSON.parse(JSON.stringify(next)) as JsonObject);
    }
  }

  private deleteNamespace(namespace: JsonObject): JsonObject {
    const name = identityOf(namespace).name;
    let current = namespace;
    if (meta(namespace).deletionTimestamp === undefined) {
      const marked = clone(namespace);
      meta(marked).deletionTimestamp = nowIso();
      marked.status = { phase: 'Terminating' };
      current = this.store.put(NAMESPACE_KEY, marked, namespace);
    }
    for (const [key, object] of [...this.store.entries()]) {
      if (identityOf(object).namespace === name) this.deleteByKey(key, object);
    }
    this.finishNamespaceIfEmpty(name);
    return current;
  }

  private finishNamespaceIfEmpty(name: string): void {
    const namespace = this.store.get(NAMESPACE_KEY, undefined, name);
    if (!namespace || meta(namespace).deletionTimestamp === undefined) return;
    for (const [, object] of this.store.entries()) if (identityOf(object).namespace === name) return;
    this.removeNow(NAMESPACE_KEY, namespace);
  }

  private registerCrd(crd: JsonObject): void {
    const type = resourceTypeFromCrd(crd);
    const existing = this.registry.byKey(typeKey(type.group, type.plural));
    if (existing && !existing.custom) {
      throw badRequest(
        `${type.plural}.${type.group} is a built-in resource and cannot be redefined by a CustomResourceDefinition`,
      );
    }
    this.registry.add(type);
    const spec = isObject(crd.spec) ? crd.spec : {};
    crd.status = {
      acceptedNames: clone(spec.names ?? {}),
      storedVersions: [type.versions[0] ?? ''],
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          reason: 'NoConflicts',
          message: 'no conflicts found',
          lastTransitionTime: nowIso(),
        },
        {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
          lastTransitionTime: nowIso(),
        },
      ],
    };
  }

  private unregisterCrd(crd: JsonObject): void {
    const type = resourceTypeFromCrd(crd);
    const key = typeKey(type.group, type.plural);
    for (const object of this.store.list(key)) this.store.remove(key, object);
    this.registry.remove(type.group, type.plural);
    this.onTypeRemoved(key);
  }
}
