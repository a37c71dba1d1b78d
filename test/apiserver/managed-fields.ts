import { ApiError } from './errors.js';
import {
  clone,
  deepEqual,
  isObject,
  removeKey,
  stringField,
  type JsonObject,
  type JsonValue,
} from './json.js';
import { itemKey, type ListTypeResolver } from './list-types.js';

/**
 * Field ownership in the shape of `metadata.managedFields` (FieldsV1). A path is a list of
 * segments: `f:<field>`, `k:<json key>` for an item of a keyed list, `v:<json>` for a member of a
 * set-like list (finalizers). Paths are kept as segment strings joined by a newline.
 */
const SEP = '\n';

/** Server-owned metadata that no manager owns. */
const UNOWNED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

export interface FieldScope {
  /** How each list is merged and tracked: by key, as a set, or atomic (see list-types.ts). */
  listTypes: ListTypeResolver;
  /** `status` tracks only `.status`; the main resource tracks everything else. */
  subresource: '' | 'status';
  /**
   * Built-in kinds are Go structs whose maps are `omitempty`: a map emptied by apply is not
   * served. Custom resources keep an emptied map as `{}`.
   */
  omitEmptyMaps: boolean;
}

/** The FieldsV1 segment of a map-list item: its key fields, sorted by name as structured-merge-diff writes them. */
function keySegment(key: JsonObject): string {
  const sorted = Object.fromEntries(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `k:${JSON.stringify(sorted)}`;
}

function collectList(
  value: JsonValue[],
  names: readonly string[],
  prefix: string,
  scope: FieldScope,
  out: Set<string>,
): void {
  const type = scope.listTypes(names);
  if (type.type === 'set') {
    for (const item of value) out.add(`${prefix}${SEP}v:${JSON.stringify(item)}`);
    return;
  }
  const keys = value.map((item) => itemKey(item, type));
  if (type.type === 'atomic' || keys.some((key) => key === undefined)) {
    out.add(prefix);
    return;
  }
  value.forEach((item, index) => {
    const itemPath = `${prefix}${SEP}${keySegment(keys[index] ?? {})}`;
    out.add(itemPath);
    if (isObject(item)) collectObject(item, names, itemPath, scope, out);
  });
}

function collectObject(
  value: JsonObject,
  names: readonly string[],
  prefix: string,
  scope: FieldScope,
  out: Set<string>,
): void {
  for (const key of Object.keys(value)) {
    const entry = value[key];
    if (entry !== undefined) collect(entry, [...names, key], `${prefix}${SEP}f:${key}`, scope, out);
  }
}

function collect(
  value: JsonValue,
  names: readonly string[],
  prefix: string,
  scope: FieldScope,
  out: Set<string>,
): void {
  if (isObject(value)) {
    if (Object.values(value).every((entry) => entry === undefined)) out.add(prefix);
    collectObject(value, names, prefix, scope, out);
  } else if (Array.isArray(value)) collectList(value, names, prefix, scope, out);
  else out.add(prefix);
}

/** The leaf fields an object sets, for one scope (main resource or status). */
export function fieldSetOf(object: JsonObject, scope: FieldScope): Set<string> {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || key === 'apiVersion' || key === 'kind') continue;
    if ((key === 'status') !== (scope.subresource === 'status')) continue;
    if (key === 'metadata' && isObject(value)) {
      for (const [metaKey, metaValue] of Object.entries(value)) {
        if (metaValue === undefined || UNOWNED_METADATA.has(metaKey)) continue;
        collect(metaValue, ['metadata', metaKey], `f:metadata${SEP}f:${metaKey}`, scope, out);
      }
      continue;
    }
    collect(value, [key], `f:${key}`, scope, out);
  }
  return out;
}

/** Whether a list item has the key a `k:` segment names; a key field the item leaves out matches (it was defaulted). */
function matchesKey(item: JsonValue, wanted: JsonObject, lenient: boolean): boolean {
  if (!isObject(item)) return false;
  return Object.entries(wanted).every(
    ([field, value]) => deepEqual(item[field], value) || (lenient && item[field] === undefined),
  );
}

function step(current: JsonValue | undefined, segment: string): JsonValue | undefined {
  if (segment.startsWith('f:')) return isObject(current) ? current[segment.slice(2)] : undefined;
  if (!Array.isArray(current)) return undefined;
  const wanted = JSON.parse(segment.slice(2)) as JsonValue;
  if (segment.startsWith('v:')) return current.find((item) => deepEqual(item, wanted));
  if (!isObject(wanted)) return undefined;
  return (
    current.find((item) => matchesKey(item, wanted, false)) ??
    current.find((item) => matchesKey(item, wanted, true))
  );
}

export function valueAt(object: JsonObject, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const segment of path.split(SEP)) current = step(current, segment);
  return current;
}

function removeAt(object: JsonObject, path: string): void {
  const segments = path.split(SEP);
  const last = segments.pop();
  if (last === undefined) return;
  const parent = segments.reduce<JsonValue | undefined>((current, segment) => step(current, segment), object);
  if (last.startsWith('f:')) {
    if (isObject(parent)) removeKey(parent, last.slice(2));
    return;
  }
  if (!Array.isArray(parent)) return;
  const target = step(parent, last);
  const index = parent.findIndex((item) => item === target);
  if (index >= 0) parent.splice(index, 1);
}

export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  const sorted = [...paths].sort();
  for (const path of sorted) {
    let node = root;
    for (const segment of path.split(SEP)) {
      const next = node[segment];
      node = isObject(next) ? next : (node[segment] = {});
    }
  }
  // A field that is owned itself and also has owned children (a keyed list item) carries '.'.
  for (const path of sorted) {
    let node: JsonObject = root;
    for (const segment of path.split(SEP)) node = node[segment] as JsonObject;
    if (Object.keys(node).some((key) => key !== '.')) node['.'] = {};
  }
  return root;
}

export function fromFieldsV1(fields: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (!isObject(fields)) return out;
  for (const [segment, nested] of Object.entries(fields)) {
    if (segment === '.') {
      if (prefix !== '') out.add(prefix);
      continue;
    }
    const path = prefix === '' ? segment : `${prefix}${SEP}${segment}`;
    if (isObject(nested) && Object.keys(nested).length > 0) fromFieldsV1(nested, path, out);
    else out.add(path);
  }
  return out;
}

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  subresource: '' | 'status';
  apiVersion: string;
  time: string;
  fields: Set<string>;
}

export function readManagers(object: JsonObject): ManagerEntry[] {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const entries = Array.isArray(metadata.managedFields) ? metadata.managedFields.filter(isObject) : [];
  return entries.map((entry) => ({
    manager: stringField(entry, 'manager') ?? '',
    operation: entry.operation === 'Apply' ? 'Apply' : 'Update',
    subresource: entry.subresource === 'status' ? 'status' : '',
    apiVersion: stringField(entry, 'apiVersion') ?? '',
    time: stringField(entry, 'time') ?? '',
    fields: fromFieldsV1(entry.fieldsV1),
  }));
}

export function writeManagers(object: JsonObject, entries: readonly ManagerEntry[]): void {
  const metadata = isObject(object.metadata) ? object.metadata : (object.metadata = {});
  const kept = entries.filter((entry) => entry.fields.size > 0);
  metadata.managedFields = kept.map((entry) => ({
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
    time: entry.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(entry.fields),
    ...(entry.subresource === '' ? {} : { subresource: entry.subresource }),
  }));
  if (kept.length === 0) delete metadata.managedFields;
}

function entryFor(entries: ManagerEntry[], template: Omit<ManagerEntry, 'fields'>): ManagerEntry {
  const found = entries.find(
    (entry) =>
      entry.manager === template.manager &&
      entry.operation === template.operation &&
      entry.subresource === template.subresource,
  );
  if (found) {
    found.time = template.time;
    found.apiVersion = template.apiVersion;
    return found;
  }
  const created: ManagerEntry = { ...template, fields: new Set() };
  entries.push(created);
  return created;
}

export interface WriteContext {
  manager: string;
  apiVersion: string;
  scope: FieldScope;
  now: string;
}

/** Records an ordinary write (create, PUT, non-apply PATCH): the writer takes over every field it changed. */
export function recordUpdate(
  previous: JsonObject | undefined,
  next: JsonObject,
  context: WriteContext,
): void {
  const entries = readManagers(previous ?? next);
  const before = previous ? fieldSetOf(previous, context.scope) : new Set<string>();
  const after = fieldSetOf(next, context.scope);
  const changed = [...after].filter(
    (path) => !before.has(path) || !deepEqual(valueAt(previous ?? {}, path), valueAt(next, path)),
  );
  const removed = [...before].filter((path) => !after.has(path));
  for (const entry of entries) {
    for (const path of removed) entry.fields.delete(path);
    for (const path of changed) entry.fields.delete(path);
  }
  if (changed.length > 0) {
    const own = entryFor(entries, {
      manager: context.manager,
      operation: 'Update',
      subresource: context.scope.subresource,
      apiVersion: context.apiVersion,
      time: context.now,
    });
    for (const path of changed) own.fields.add(path);
  }
  writeManagers(next, entries);
}

/** A path as structured-merge-diff prints it: `.spec.ports[port=80,protocol="TCP"].name`, `[="value"]` for set members. */
function displayPath(path: string): string {
  return path
    .split(SEP)
    .map((segment) => {
      if (segment.startsWith('f:')) return `.${segment.slice(2)}`;
      if (segment.startsWith('v:')) return `[=${segment.slice(2)}]`;
      const key = JSON.parse(segment.slice(2)) as JsonObject;
      return `[${Object.entries(key)
        .map(([field, value]) => `${field}=${JSON.stringify(value)}`)
        .join(',')}]`;
    })
    .join('');
}

interface Conflict {
  entry: ManagerEntry;
  path: string;
}

/** The manager as kube-apiserver names it in a conflict: an Update manager with its version and time. */
function managerText(entry: ManagerEntry): string {
  const subresource = entry.subresource === '' ? '' : ` with subresource "${entry.subresource}"`;
  const base = `"${entry.manager}"${subresource}`;
  if (entry.operation === 'Apply') return base;
  const time = entry.time === '' ? '' : ` at ${entry.time.replace(/\.\d+Z$/, 'Z')}`;
  return `${base} using ${entry.apiVersion}${time}`;
}

function findConflicts(
  existing: JsonObject,
  merged: JsonObject,
  fields: Set<string>,
  others: ManagerEntry[],
): Conflict[] {
  const conflicts: Conflict[] = [];
  for (const entry of others) {
    for (const path of entry.fields) {
      if (!fields.has(path) || /\n[kv]:[^\n]*$/.test(path)) continue;
      if (!deepEqual(valueAt(existing, path), valueAt(merged, path))) conflicts.push({ entry, path });
    }
  }
  return conflicts;
}

/** 409 as kube-apiserver words it: one line per conflict, grouped by manager when there are several. */
function conflictError(conflicts: Conflict[]): ApiError {
  let message: string;
  if (conflicts.length === 1 && conflicts[0]) {
    const only = conflicts[0];
    message = `Apply failed with 1 conflict: conflict with ${managerText(only.entry)}: ${displayPath(only.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const { entry, path } of conflicts) {
      const lines = byManager.get(managerText(entry)) ?? [];
      lines.push(`- ${displayPath(path)}`);
      byManager.set(managerText(entry), lines);
    }
    const groups = [...byManager.keys()]
      .sort()
      .map((manager) => [`conflicts with ${manager}:`, ...(byManager.get(manager) ?? [])]);
    message = `Apply failed with ${conflicts.length} conflicts: ${groups.flat().join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, {
    causes: conflicts.map(({ entry, path }) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${managerText(entry)}`,
      field: displayPath(path),
    })),
  });
}

/** Merge used by apply: objects merge, map lists merge by key, sets by value, atomic lists are replaced. */
function applyMerge(
  existing: JsonValue | undefined,
  applied: JsonValue,
  names: readonly string[],
  scope: FieldScope,
): JsonValue {
  if (isObject(applied)) {
    const result: JsonObject = isObject(existing) ? clone(existing) : {};
    for (const [key, value] of Object.entries(applied)) {
      if (value === null) removeKey(result, key);
      else if (value !== undefined) result[key] = applyMerge(result[key], value, [...names, key], scope);
    }
    return result;
  }
  if (!Array.isArray(applied)) return clone(applied);
  const current = Array.isArray(existing) ? existing : [];
  const type = scope.listTypes(names);
  if (type.type === 'set')
    return [...current, ...applied.filter((v) => !current.some((c) => deepEqual(c, v)))];
  if (type.type === 'atomic' || applied.some((item) => itemKey(item, type) === undefined))
    return clone(applied);
  const result = clone(current);
  for (const item of applied) {
    const key = itemKey(item, type);
    const index = result.findIndex((old) => deepEqual(itemKey(old, type), key));
    if (index >= 0) result[index] = applyMerge(result[index], item, names, scope);
    else result.push(clone(item));
  }
  return result;
}

function depth(path: string): number {
  return path.split(SEP).length;
}

/** A key field of a map-list item (`...k:{"port":80}` then `f:port`): it leaves only with its item. */
function isKeyField(path: string): boolean {
  const segments = path.split(SEP);
  const last = segments.at(-1) ?? '';
  const parent = segments.at(-2) ?? '';
  if (!last.startsWith('f:') || !parent.startsWith('k:')) return false;
  const key = JSON.parse(parent.slice(2)) as JsonValue;
  return isObject(key) && last.slice(2) in key;
}

/**
 * Removes what the applier owned before and no longer applies, unless another manager owns it
 * (structured-merge-diff's prune). Shallow paths first: a dropped list item or field nobody else
 * owns anything in goes whole, with the fields the server defaulted inside it; one where another
 * manager owns something keeps those fields and its key.
 */
function pruneDropped(
  merged: JsonObject,
  dropped: string[],
  ownedByOthers: Set<string>,
  scope: FieldScope,
): void {
  const othersWithin = (path: string): boolean =>
    ownedByOthers.has(path) || [...ownedByOthers].some((owned) => owned.startsWith(`${path}${SEP}`));
  for (const path of [...dropped].sort((a, b) => depth(a) - depth(b))) {
    if (isKeyField(path) || othersWithin(path)) continue;
    removeAt(merged, path);
    if (scope.omitEmptyMaps) removeEmptyParents(merged, path);
  }
}

function removeEmptyParents(object: JsonObject, path: string): void {
  const segments = path.split(SEP);
  for (let length = segments.length - 1; length > 0; length--) {
    const parent = segments.slice(0, length).join(SEP);
    const value = valueAt(object, parent);
    if (!isObject(value) || Object.keys(value).length > 0 || !segments[length - 1]?.startsWith('f:')) return;
    removeAt(object, parent);
  }
}

export interface ApplyRequest {
  existing: JsonObject;
  applied: JsonObject;
  force: boolean;
  context: WriteContext;
  kind: string;
  name: string;
}

/**
 * Server-side apply with structured-merge semantics: the applied configuration's own fields (not
 * what the server defaults afterwards) become the manager's set; a field another manager owns
 * whose value would change is a conflict (409 unless force, which takes it over); the
 * configuration is merged in by list type; fields this manager applied before and no longer
 * applies are pruned unless someone else owns them.
 */
export function serverSideApply(request: ApplyRequest): JsonObject {
  const { existing, applied, context } = request;
  const entries = readManagers(existing);
  const fields = fieldSetOf(applied, context.scope);
  const isOwn = (entry: ManagerEntry): boolean =>
    entry.manager === context.manager &&
    entry.operation === 'Apply' &&
    entry.subresource === context.scope.subresource;
  const others = entries.filter((entry) => !isOwn(entry) && entry.subresource === context.scope.subresource);
  const merged = applyMerge(existing, applied, [], context.scope) as JsonObject;
  const conflicts = findConflicts(existing, merged, fields, others);
  if (conflicts.length > 0 && !request.force) throw conflictError(conflicts);
  // Forcing takes the conflicting fields over: their previous managers lose them.
  for (const { entry, path } of conflicts) entry.fields.delete(path);
  const own = entryFor(entries, {
    manager: context.manager,
    operation: 'Apply',
    subresource: context.scope.subresource,
    apiVersion: context.apiVersion,
    time: context.now,
  });
  const ownedByOthers = new Set(others.flatMap((entry) => [...entry.fields]));
  pruneDropped(
    merged,
    [...own.fields].filter((path) => !fields.has(path)),
    ownedByOthers,
    context.scope,
  );
  own.fields = fields;
  writeManagers(merged, entries);
  return merged;
}
