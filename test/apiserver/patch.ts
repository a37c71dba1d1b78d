import fastJsonPatch, { type Operation } from 'fast-json-patch';

import { ApiError, badRequest } from './errors.js';
import { clone, deepEqual, isObject, removeKey, type JsonObject, type JsonValue } from './json.js';

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, everything else (lists too) replaces. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) removeKey(result, key);
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** RFC 6902 JSON patch; a failed `test` or a bad path is a 422 as the apiserver reports it. */
export function jsonPatch(target: JsonObject, operations: unknown): JsonObject {
  if (!Array.isArray(operations)) throw badRequest('json patch must be an array of operations');
  try {
    const result = fastJsonPatch.applyPatch(clone(target), operations as Operation[], true, true).newDocument;
    if (!isObject(result)) throw badRequest('json patch replaced the object with a non-object');
    return result;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ApiError(
      422,
      'Invalid',
      `the server rejected our request due to an error in our request: ${message ?? ''}`,
    );
  }
}

/**
 * Merge keys Kubernetes declares (`patchMergeKey`) on the list fields of the built-in kinds we serve.
 * Strategic merge patch merges these lists item by item; every other list is replaced whole.
 */
const MERGE_KEYS: Record<string, (items: JsonValue[]) => string> = {
  containers: () => 'name',
  initContainers: () => 'name',
  ephemeralContainers: () => 'name',
  env: () => 'name',
  volumes: () => 'name',
  volumeMounts: () => 'mountPath',
  volumeDevices: () => 'devicePath',
  imagePullSecrets: () => 'name',
  hostAliases: () => 'ip',
  conditions: () => 'type',
  ownerReferences: () => 'uid',
  // Container ports merge by containerPort, Service ports by port.
  ports: (items) =>
    items.some((item) => isObject(item) && 'containerPort' in item) ? 'containerPort' : 'port',
};

/** Lists of scalars with `patchStrategy: merge`: the patch adds values instead of replacing the list. */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

export function mergeKeyFor(field: string, items: JsonValue[]): string | undefined {
  return MERGE_KEYS[field]?.(items);
}

function withoutDirectives(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutDirectives);
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined || key.startsWith('$')) continue;
    result[key] = withoutDirectives(entry);
  }
  return result;
}

function keyOf(item: JsonValue, mergeKey: string): JsonValue | undefined {
  return isObject(item) ? item[mergeKey] : undefined;
}

function mergeKeyedList(original: JsonValue[], patch: JsonValue[], mergeKey: string): JsonValue[] {
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item.$patch === 'replace')).map(withoutDirectives);
  }
  const result = clone(original);
  for (const item of patch) {
    const key = keyOf(item, mergeKey);
    const index = result.findIndex(
      (existing) => key !== undefined && deepEqual(keyOf(existing, mergeKey), key),
    );
    if (isObject(item) && item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0 && isObject(item)) {
      result[index] = strategicMergePatch(result[index], item);
    } else {
      result.push(withoutDirectives(item));
    }
  }
  return result;
}

function mergeList(field: string, original: JsonValue | undefined, patch: JsonValue[]): JsonValue[] {
  const originalList = Array.isArray(original) ? original : [];
  if (MERGED_SCALAR_LISTS.has(field)) {
    return [
      ...originalList,
      ...patch.filter((value) => !originalList.some((existing) => deepEqual(existing, value))),
    ];
  }
  const mergeKey = mergeKeyFor(field, [...patch, ...originalList]);
  if (mergeKey === undefined) return patch.map(withoutDirectives);
  return mergeKeyedList(originalList, patch, mergeKey);
}

/** Orders a merged list as `$setElementOrder/<field>` asks; items it does not name keep their relative order at the end. */
function applyElementOrder(list: JsonValue[], order: JsonValue[], field: string): JsonValue[] {
  const mergeKey = mergeKeyFor(field, list);
  const position = (item: JsonValue): number => {
    const index = order.findIndex((entry) =>
      mergeKey === undefined
        ? deepEqual(entry, item)
        : deepEqual(keyOf(entry, mergeKey), keyOf(item, mergeKey)),
    );
    return index < 0 ? order.length : index;
  };
  return [...list].sort((a, b) => position(a) - position(b));
}

function applyDirectives(result: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/') && Array.isArray(value)) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const list = result[field];
      if (Array.isArray(list))
        result[field] = list.filter((item) => !value.some((gone) => deepEqual(gone, item)));
    }
    if (key.startsWith('$setElementOrder/') && Array.isArray(value)) {
      const field = key.slice('$setElementOrder/'.length);
      const list = result[field];
      if (Array.isArray(list)) result[field] = applyElementOrder(list, value, field);
    }
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const key of Object.keys(result)) if (!retain.includes(key)) removeKey(result, key);
  }
}

/**
 * Strategic merge patch for the built-in kinds: like a merge patch, except lists with a merge key
 * (containers, ports, env, volumes, ...) merge item by item, and the `$patch`, `$retainKeys`,
 * `$setElementOrder/` and `$deleteFromPrimitiveList/` directives kubectl sends are honoured.
 */
export function strategicMergePatch(original: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') return withoutDirectives(patch);
  const result: JsonObject = isObject(original) ? clone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key.startsWith('$')) continue;
    if (value === null) removeKey(result, key);
    else if (Array.isArray(value)) result[key] = mergeList(key, result[key], value);
    else if (isObject(value) && value.$patch === 'delete') removeKey(result, key);
    else result[key] = strategicMergePatch(result[key], value);
  }
  applyDirectives(result, patch);
  return result;
}
