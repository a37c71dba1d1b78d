import { isObject, type JsonObject, type JsonValue } from './json.js';

/**
 * How server-side apply treats a list (structured-merge-diff's `x-kubernetes-list-type`):
 * `atomic` lists are owned and replaced whole, `set` lists are merged by value, `map` lists are
 * merged item by item on the values of `keys`. A key field the item leaves out takes its schema
 * default (`protocol: TCP` for ports), as kube-apiserver keys defaulted items.
 */
export type ListType =
  | { type: 'atomic' }
  | { type: 'set' }
  | { type: 'map'; keys: string[]; keyDefaults: Record<string, JsonValue> };

/** The list type of the list at `path` (field names from the object's root, list indexes left out). */
export type ListTypeResolver = (path: readonly string[]) => ListType;

const ATOMIC: ListType = { type: 'atomic' };
const SET: ListType = { type: 'set' };

function keyed(keys: string[], keyDefaults: Record<string, JsonValue> = {}): ListType {
  return { type: 'map', keys, keyDefaults };
}

const BY_NAME = keyed(['name']);
const CONTAINER_PORTS = keyed(['containerPort', 'protocol'], { protocol: 'TCP' });

/**
 * The associative lists of the built-in kinds this server serves, as `k8s.io/api` declares them
 * (`+listType=map` / `+listMapKey`, `+listType=set`); every other list of a built-in kind is atomic
 * (`command`, `args`, `tolerations`, HPA `metrics`, RBAC `rules`, ...). Matched on the path's last
 * field names, since the pod template sits at different depths in Pods and Deployments.
 */
const BUILTIN_LISTS: { suffix: string[]; type: ListType }[] = [
  { suffix: ['metadata', 'finalizers'], type: SET },
  { suffix: ['metadata', 'ownerReferences'], type: keyed(['uid']) },
  { suffix: ['containers'], type: BY_NAME },
  { suffix: ['initContainers'], type: BY_NAME },
  { suffix: ['ephemeralContainers'], type: BY_NAME },
  { suffix: ['containers', 'ports'], type: CONTAINER_PORTS },
  { suffix: ['initContainers', 'ports'], type: CONTAINER_PORTS },
  { suffix: ['ephemeralContainers', 'ports'], type: CONTAINER_PORTS },
  { suffix: ['env'], type: BY_NAME },
  { suffix: ['volumeMounts'], type: keyed(['mountPath']) },
  { suffix: ['volumeDevices'], type: keyed(['devicePath']) },
  { suffix: ['volumes'], type: BY_NAME },
  { suffix: ['imagePullSecrets'], type: BY_NAME },
  { suffix: ['hostAliases'], type: keyed(['ip']) },
  { suffix: ['schedulingGates'], type: BY_NAME },
  { suffix: ['resourceClaims'], type: BY_NAME },
  { suffix: ['topologySpreadConstraints'], type: keyed(['topologyKey', 'whenUnsatisfiable']) },
  { suffix: ['status', 'conditions'], type: keyed(['type']) },
];

/** Service `spec.ports` is keyed by port and protocol (the Service's own `ports`, not a container's). */
const SERVICE_PORTS = keyed(['port', 'protocol'], { protocol: 'TCP' });

function endsWith(path: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length > path.length) return false;
  return suffix.every((name, index) => path[path.length - suffix.length + index] === name);
}

/** List types of a built-in kind (`typeKey` as `group/plural`, e.g. `/services`). */
export function builtinListTypes(typeKey: string): ListTypeResolver {
  return (path) => {
    if (typeKey === '/services' && path.join('.') === 'spec.ports') return SERVICE_PORTS;
    return BUILTIN_LISTS.find((entry) => endsWith(path, entry.suffix))?.type ?? ATOMIC;
  };
}

function childSchema(schema: JsonObject | undefined, field: string): JsonObject | undefined {
  if (!schema) return undefined;
  const items = isObject(schema.items) ? schema.items : undefined;
  const container = schema.type === 'array' && items ? items : schema;
  const properties = isObject(container.properties) ? container.properties : undefined;
  const declared = properties?.[field];
  if (isObject(declared)) return declared;
  return isObject(container.additionalProperties) ? container.additionalProperties : undefined;
}

function listTypeOfSchema(schema: JsonObject | undefined): ListType {
  const marker = schema?.['x-kubernetes-list-type'];
  if (marker === 'set') return SET;
  if (marker !== 'map') return ATOMIC;
  const keys = Array.isArray(schema?.['x-kubernetes-list-map-keys'])
    ? schema['x-kubernetes-list-map-keys'].filter((key): key is string => typeof key === 'string')
    : [];
  const itemProperties =
    isObject(schema?.items) && isObject(schema.items.properties) ? schema.items.properties : {};
  const keyDefaults: Record<string, JsonValue> = {};
  for (const key of keys) {
    const property = itemProperties[key];
    if (isObject(property) && property.default !== undefined) keyDefaults[key] = property.default;
  }
  return keys.length > 0 ? keyed(keys, keyDefaults) : ATOMIC;
}

/**
 * List types of a custom resource from its version's `openAPIV3Schema`: `x-kubernetes-list-type`
 * and `x-kubernetes-list-map-keys`, atomic where the schema says nothing (as for CRDs on a cluster).
 */
export function schemaListTypes(schema: JsonObject | undefined): ListTypeResolver {
  return (path) => {
    let current = schema;
    for (const field of path) current = childSchema(current, field);
    return listTypeOfSchema(current);
  };
}

/** The key of a map-list item (with key defaults filled in), or undefined when a key is missing. */
export function itemKey(item: JsonValue, type: ListType): JsonObject | undefined {
  if (type.type !== 'map' || !isObject(item)) return undefined;
  const key: JsonObject = {};
  for (const name of type.keys) {
    const value = item[name] ?? type.keyDefaults[name];
    if (value === undefined) return undefined;
    key[name] = value;
  }
  return key;
}
