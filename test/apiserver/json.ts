/** Plain JSON values as they travel over the wire and sit in the store. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Structural equality that ignores key order, as Kubernetes does when it detects no-op writes. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const aKeys = Object.keys(a).filter((key) => a[key] !== undefined);
    const bKeys = Object.keys(b).filter((key) => b[key] !== undefined);
    return aKeys.length === bKeys.length && aKeys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}

/** The object at `key`, created empty when missing or not an object. */
export function child(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

/** Reads a dotted path such as `.status.phase` or `spec.replicas`. */
export function getPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const part of path.split('.').filter((segment) => segment !== '')) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** Writes a dotted path, creating intermediate objects. */
export function setPath(target: JsonObject, path: string, value: JsonValue): void {
  const parts = path.split('.').filter((segment) => segment !== '');
  const last = parts.pop();
  if (last === undefined) return;
  let current = target;
  for (const part of parts) current = child(current, part);
  current[last] = value;
}

export function metadataOf(object: JsonObject): JsonObject {
  return child(object, 'metadata');
}

export function stringField(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === 'string' ? value : undefined;
}

export function stringMap(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (!isObject(value)) return result;
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') result[key] = entry;
  }
  return result;
}

/** Removes a key chosen at run time (field names from patches and paths). */
export function removeKey(target: JsonObject, key: string): void {
  Reflect.deleteProperty(target, key);
}

/** Text of a scalar JSON value; objects and lists give ''. */
export function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}
