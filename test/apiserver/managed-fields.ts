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
import { mergeKeyFor } from './patch.js';

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
  /** Merge keyed lists item by item (built-in kinds); custom resources treat lists as atomic. */
  keyedLists: boolean;
  /** `status` tracks only `.status`; the main resource tracks everything else. */
  subresource: '' | 'status';
}

function collect(value: JsonValue, field: string, prefix: string, scope: FieldScope, out: Set<string>): void {
  if (isObject(value)) {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined);
    if (keys.length === 0) out.add(prefix);
    for (const key of keys) collect(value[key] as JsonValue, key, `${prefix}${SEP}f:${key}`, scope, out);
    return;
  }
  if (Array.isArray(value) && field === 'finalizers') {
    for (const item of value) out.add(`${prefix}${SEP}v:${JSON.stringify(item)}`);
    return;
  }
  const mergeKey = Array.isArray(value) && scope.keyedLists ? mergeKeyFor(field, value) : undefined;
  if (
    Array.isArray(value) &&
    mergeKey !== undefined &&
    value.every((item) => isObject(item) && mergeKey in item)
  ) {
    for (const item of value.filter(isObject)) {
      const itemPath = `${prefix}${SEP}k:${JSON.stringify({ [mergeKey]: item[mergeKey] })}`;
      out.add(itemPath);
      collect(item, '', itemPath, scope, out);
    }
    return;
  }
  out.add(prefix);
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
        collect(metaValue, metaKey, `f:metadata${SEP}f:${metaKey}`, scope, out);
      }
      continue;
    }
    collect(value, key, `f:${key}`, scope, out);
  }
  return out;
}

function step(current: JsonValue | undefined, segment: string): JsonValue | undefined {
  if (segment.startsWith('f:')) return isObject(current) ? current[segment.slice(2)] : undefined;
  if (!Array.isArray(current)) return undefined;
  const wanted = JSON.parse(segment.slice(2)) as JsonValue;
  if (segment.startsWith('v:')) return current.find((item) => deepEqual(item, wanted));
  return current.find(
    (item) =>
      isObject(item) && isObject(wanted) && Object.entries(wanted).every(([k, v]) => deepEqual(item[k], v)),
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

function displayPath(path: string): string {
  return path
    .split(SEP)
    .map((segment) => (segment.startsWith('f:') ? `.${segment.slice(2)}` : `[${segment.slice(2)}]`))
    .join('');
}

function findConflicts(
  existing: JsonObject,
  applied: JsonObject,
  fields: Set<string>,
  others: ManagerEntry[],
) {
  const conflicts: { manager: string; path: string }[] = [];
  for (const entry of others) {
    for (const path of entry.fields) {
      if (!fields.has(path) || /\n[kv]:[^\n]*$/.test(path)) continue;
      if (!deepEqual(valueAt(existing, path), valueAt(applied, path)))
        conflicts.push({ manager: entry.manager, path });
    }
  }
  return conflicts;
}

function conflictError(conflicts: { manager: string; path: string }[], kind: string, name: string): ApiError {
  const lines = conflicts.map((c) => `conflict with "${c.manager}": ${displayPath(c.path)}`);
  const message =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: ${lines.join('')}`
      : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  return new ApiError(409, 'Conflict', message, {
    name,
    kind,
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${c.manager}"`,
      field: displayPath(c.path),
    })),
  });
}

/** Merge used by apply: objects merge, keyed lists merge by key (built-ins), other lists are atomic. */
function applyMerge(
  existing: JsonValue | undefined,
  applied: JsonValue,
  field: string,
  keyed: boolean,
): JsonValue {
  if (isObject(applied)) {
    const result: JsonObject = isObject(existing) ? clone(existing) : {};
    for (const [key, value] of Object.entries(applied)) {
      if (value !== undefined && value !== null) result[key] = applyMerge(result[key], value, key, keyed);
    }
    return result;
  }
  if (!Array.isArray(applied)) return clone(applied);
  const current = Array.isArray(existing) ? existing : [];
  if (field === 'finalizers')
    return [...current, ...applied.filter((v) => !current.some((c) => deepEqual(c, v)))];
  const mergeKey = keyed ? mergeKeyFor(field, applied) : undefined;
  if (mergeKey === undefined) return clone(applied);
  const result = clone(current);
  for (const item of applied) {
    const index = result.findIndex(
      (old) => isObject(old) && isObject(item) && deepEqual(old[mergeKey], item[mergeKey]),
    );
    if (index >= 0) result[index] = applyMerge(result[index], item, '', keyed);
    else result.push(clone(item));
  }
  return result;
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
 * Server-side apply, approximated: conflicts are fields another manager owns with a different
 * value (409 unless force); fields this manager applied before and no longer applies are removed
 * unless someone else owns them; the applied configuration is merged in.
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
  const conflicts = findConflicts(existing, applied, fields, others);
  if (conflicts.length > 0 && !request.force) throw conflictError(conflicts, request.kind, request.name);
  for (const { manager, path } of conflicts) {
    for (const entry of others) if (entry.manager === manager) entry.fields.delete(path);
  }
  const own = entryFor(entries, {
    manager: context.manager,
    operation: 'Apply',
    subresource: context.scope.subresource,
    apiVersion: context.apiVersion,
    time: context.now,
  });
  const merged = applyMerge(existing, applied, '', context.scope.keyedLists) as JsonObject;
  const ownedByOthers = new Set(others.flatMap((entry) => [...entry.fields]));
  const dropped = [...own.fields].filter((path) => !fields.has(path) && !ownedByOthers.has(path));
  for (const path of dropped.sort((a, b) => b.length - a.length)) removeAt(merged, path);
  own.fields = fields;
  writeManagers(merged, entries);
  return merged;
}
