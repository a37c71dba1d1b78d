/**
 * The kinds the controller reads and writes, with their REST coordinates. A fixed table instead of
 * discovery: the controller touches a known, small set of kinds and must not depend on discovery
 * answering while an API server is degraded.
 */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const core = (plural: string, kind: string): ResourceType => ({
  group: '',
  version: 'v1',
  plural,
  kind,
  namespaced: true,
});

export const Resources = {
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  daemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  service: core('services', 'Service'),
  configMap: core('configmaps', 'ConfigMap'),
  secret: core('secrets', 'Secret'),
  event: core('events', 'Event'),
  pod: core('pods', 'Pod'),
  namespace: { ...core('namespaces', 'Namespace'), namespaced: false },
  hpa: {
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
  },
  scaledObject: {
    group: 'keda.sh',
    version: 'v1alpha1',
    plural: 'scaledobjects',
    kind: 'ScaledObject',
    namespaced: true,
  },
  lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  virtualService: {
    group: 'networking.istio.io',
    version: 'v1beta1',
    plural: 'virtualservices',
    kind: 'VirtualService',
    namespaced: true,
  },
  destinationRule: {
    group: 'networking.istio.io',
    version: 'v1beta1',
    plural: 'destinationrules',
    kind: 'DestinationRule',
    namespaced: true,
  },
  httpRoute: {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'httproutes',
    kind: 'HTTPRoute',
    namespaced: true,
  },
  serinCanary: {
    group: 'serin.dev',
    version: 'v1beta1',
    plural: 'canaries',
    kind: 'Canary',
    namespaced: true,
  },
  flaggerCanary: {
    group: 'flagger.app',
    version: 'v1beta1',
    plural: 'canaries',
    kind: 'Canary',
    namespaced: true,
  },
} as const satisfies Record<string, ResourceType>;

/** Where each `spec.targetRef.kind` Serin runs on a cluster lives. */
export const TARGET_TYPES: Readonly<Partial<Record<string, ResourceType>>> = {
  Deployment: Resources.deployment,
  DaemonSet: Resources.daemonSet,
  Service: Resources.service,
};

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** What says an object's type: a document may lack either (then it is of no type). */
interface TypedObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
}

/** The API group of an `apiVersion`: `apps` of `apps/v1`, the core group `''` of `v1`. */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

/**
 * Whether an object (its `apiVersion` and `kind`) is of this type. The version is not compared:
 * the API server serves one object under every version of its kind.
 */
export function isOfType(type: ResourceType, object: TypedObject): boolean {
  return (
    object.apiVersion !== undefined && type.kind === object.kind && type.group === groupOf(object.apiVersion)
  );
}

/** The type among `types` an object is of: the one of its exact version first, else of its group and kind. */
export function resourceTypeOf(
  object: TypedObject,
  types: readonly ResourceType[],
): ResourceType | undefined {
  const same = types.filter((t) => isOfType(t, object));
  return same.find((t) => apiVersionOf(t) === object.apiVersion) ?? same[0];
}

/** The canary resource type for a document's apiVersion (both groups mean the same thing). */
export function canaryTypeFor(apiVersion: string | undefined): ResourceType {
  return apiVersion?.startsWith('flagger.app/') ? Resources.flaggerCanary : Resources.serinCanary;
}

/** `/api/v1/namespaces/ns/services/name` and friends; `namespace` undefined lists across namespaces. */
export function resourcePath(type: ResourceType, namespace?: string, name?: string, sub?: string): string {
  const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = type.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}${sub === undefined ? '' : `/${sub}`}`;
  return `${base}${ns}/${type.plural}${tail}`;
}
