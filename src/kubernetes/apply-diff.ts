/**
 * Whether a server-side apply would change a live object, judged the way the API server merges
 * it, so that an idle Canary costs no writes whatever users add to objects they own:
 *
 * - every field Serin applies must already hold its value; fields Serin does not send (a port, a
 *   label or an annotation the user added, what the server defaulted) take no part;
 * - lists Kubernetes merges by key (`+listType=map` in k8s.io/api: Service ports by port and
 *   protocol, containers and env by name, ...) are compared item by item on the key, so another
 *   manager's items do not count; other lists (every list of Istio's and Gateway API's CRDs) are
 *   atomic and compared whole, in order;
 * - what Serin owns in `managedFields` and no longer applies (a port removed from the Canary)
 *   would be pruned by the apply, so it is a change too.
 */
import type { KubeObject } from './client.js';
import { isRecord } from './objects.js';

type ListKind = { type: 'map'; keys: string[]; defaults: Record<string, unknown> } | { type: 'set' };

const byName: ListKind = { type: 'map', keys: ['name'], defaults: {} };
const containerPorts: ListKind = {
  type: 'map',
  keys: ['containerPort', 'protocol'],
  defaults: { protocol: 'TCP' },
};

/** Associative lists of the built-in kinds Serin applies, by the path's last field names. */
const BUILTIN_LISTS: [string, ListKind][] = [
  ['metadata.finalizers', { type: 'set' }],
  ['metadata.ownerReferences', { type: 'map', keys: ['uid'], defaults: {} }],
  ['containers', byName],
  ['initContainers', byName],
  ['containers.ports', containerPorts],
  ['initContainers.ports', containerPorts],
  ['env', byName],
  ['volumes', byName],
  ['volumeMounts', { type: 'map', keys: ['mountPath'], defaults: {} }],
  ['imagePullSecrets', byName],
];

const SERVICE_PORTS: ListKind = { type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } };

function isBuiltin(apiVersion: string | undefined): boolean {
  return apiVersion === 'v1' || /^(apps|autoscaling|batch|policy)\//.test(apiVersion ?? '');
}

function listKindAt(object: KubeObject, path: readonly string[]): ListKind | undefined {
  const dotted = path.join('.');
  if (
    dotted === 'metadata.finalizers' ||
    dotted === 'metadata.ownerReferences' ||
    isBuiltin(object.apiVersion)
  ) {
    if (object.kind === 'Service' && dotted === 'spec.ports') return SERVICE_PORTS;
    return BUILTIN_LISTS.find(([suffix]) => dotted === suffix || dotted.endsWith(`.${suffix}`))?.[1];
  }
  return undefined;
}

function sameKey(item: unknown, wanted: Record<string, unknown>, kind: ListKind & { type: 'map' }): boolean {
  if (!isRecord(item)) return false;
  return kind.keys.every((key) => (item[key] ?? kind.defaults[key]) === (wanted[key] ?? kind.defaults[key]));
}

function listPresent(root: KubeObject, live: unknown, wanted: unknown[], path: readonly string[]): boolean {
  if (live === undefined && wanted.length === 0) return true;
  if (!Array.isArray(live)) return false;
  const kind = listKindAt(root, path);
  if (kind?.type === 'set') return wanted.every((w) => live.some((l) => present(root, l, w, path)));
  if (kind?.type === 'map') {
    return wanted.every((w) => {
      if (!isRecord(w)) return false;
      const match: unknown = live.find((item: unknown) => sameKey(item, w, kind));
      return match !== undefined && present(root, match, w, path);
    });
  }
  return live.length === wanted.length && wanted.every((w, i) => present(root, live[i], w, path));
}

function present(root: KubeObject, live: unknown, wanted: unknown, path: readonly string[]): boolean {
  if (Array.isArray(wanted)) return listPresent(root, live, wanted, path);
  if (isRecord(wanted)) {
    if (live === undefined && Object.keys(wanted).length === 0) return true;
    if (!isRecord(live)) return false;
    return Object.entries(wanted).every(
      ([key, value]) => value === undefined || present(root, live[key], value, [...path, key]),
    );
  }
  return live === wanted;
}

/** Whether every field of `desired` already has its value in `live` (keyed lists by key). */
export function appliedFieldsPresent(live: KubeObject, desired: KubeObject): boolean {
  return present(desired, live, desired, []);
}

/** Whether `value` (part of the applied object) still contains the FieldsV1 segment. */
function stepDesired(value: unknown, segment: string): { found: boolean; next: unknown } {
  if (segment.startsWith('f:')) {
    const field = segment.slice(2);
    return isRecord(value) && value[field] !== undefined
      ? { found: true, next: value[field] }
      : { found: false, next: undefined };
  }
  if (!Array.isArray(value)) return { found: false, next: undefined };
  const wanted: unknown = JSON.parse(segment.slice(2));
  if (segment.startsWith('v:')) {
    return { found: value.some((item) => JSON.stringify(item) === JSON.stringify(wanted)), next: undefined };
  }
  // `k:`: an item with these key values; a key field the item leaves out was defaulted by the server.
  const item: unknown = isRecord(wanted)
    ? value.find(
        (candidate) =>
          isRecord(candidate) &&
          Object.entries(wanted).every(([k, v]) => candidate[k] === v || candidate[k] === undefined),
      )
    : undefined;
  return { found: item !== undefined, next: item };
}

function ownedStillApplied(fields: unknown, desired: unknown): boolean {
  if (!isRecord(fields)) return true;
  return Object.entries(fields).every(([segment, nested]) => {
    if (segment === '.') return true;
    const { found, next } = stepDesired(desired, segment);
    return found && ownedStillApplied(nested, next);
  });
}

/**
 * Whether `manager`'s server-side apply entry in `live.metadata.managedFields` owns only fields
 * `desired` still sets. Without an entry (never applied, or a server that keeps no managedFields)
 * there is nothing to prune.
 */
export function ownsOnlyApplied(live: KubeObject, desired: KubeObject, manager: string): boolean {
  const entries = (live.metadata as { managedFields?: unknown }).managedFields;
  if (!Array.isArray(entries)) return true;
  const own = entries.find(
    (entry) =>
      isRecord(entry) &&
      entry.manager === manager &&
      entry.operation === 'Apply' &&
      (entry.subresource ?? '') === '',
  ) as { fieldsV1?: unknown } | undefined;
  return ownedStillApplied(own?.fieldsV1, desired);
}

/** Whether applying `desired` as `manager` would leave `live` as it is. */
export function applyIsNoop(live: KubeObject | undefined, desired: KubeObject, manager: string): boolean {
  return live !== undefined && appliedFieldsPresent(live, desired) && ownsOnlyApplied(live, desired, manager);
}
