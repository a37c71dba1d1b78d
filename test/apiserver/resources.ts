import { badRequest } from './errors.js';
import { getPath, isObject, stringField, type JsonObject } from './json.js';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
  format?: string;
  description?: string;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** Everything the server needs to serve one resource (one group + plural) over every version it is served in. */
export interface ResourceType {
  group: string;
  /** Served versions; the first is the storage and preferred version. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  statusSubresource: boolean;
  scale?: ScaleSubresource;
  printerColumns: PrinterColumn[];
  /** Field selectors accepted besides metadata.name / metadata.namespace. */
  extraSelectableFields: string[];
  /** Custom resources do not accept strategic merge patches (415), like the real apiserver. */
  custom: boolean;
  /** Name of the CRD that registered this resource. */
  crdName?: string;
  /** The CRD's `openAPIV3Schema` per served version: pruning, defaulting and validation. */
  schemas?: Record<string, JsonObject>;
}

export function typeKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

interface BuiltinSpec {
  group: string;
  versions: string[];
  plural: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  scale?: boolean;
  columns?: PrinterColumn[];
  /** Leave out the Age column (the kind prints its creation time instead). */
  noAge?: boolean;
  fields?: string[];
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function column(name: string, jsonPath: string, type = 'string'): PrinterColumn {
  return { name, type, jsonPath };
}

const BUILTINS: BuiltinSpec[] = [
  {
    group: '',
    versions: ['v1'],
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
    columns: [column('Status', '.status.phase')],
    fields: ['status.phase'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'pods',
    kind: 'Pod',
    shortNames: ['po'],
    categories: ['all'],
    status: true,
    columns: [column('Status', '.status.phase'), column('IP', '.status.podIP')],
    fields: ['status.phase', 'spec.nodeName', 'spec.serviceAccountName'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'services',
    kind: 'Service',
    shortNames: ['svc'],
    categories: ['all'],
    status: true,
    columns: [column('Type', '.spec.type'), column('Cluster-IP', '.spec.clusterIP')],
  },
  { group: '', versions: ['v1'], plural: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] },
  {
    group: '',
    versions: ['v1'],
    plural: 'secrets',
    kind: 'Secret',
    columns: [column('Type', '.type')],
    fields: ['type'],
  },
  { group: '', versions: ['v1'], plural: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] },
  {
    group: '',
    versions: ['v1'],
    plural: 'events',
    kind: 'Event',
    shortNames: ['ev'],
    columns: [column('Type', '.type'), column('Reason', '.reason'), column('Message', '.message')],
    fields: [
      'involvedObject.kind',
      'involvedObject.name',
      'involvedObject.namespace',
      'involvedObject.uid',
      'reason',
      'type',
      'source',
    ],
  },
  {
    group: 'events.k8s.io',
    versions: ['v1'],
    plural: 'events',
    kind: 'Event',
    shortNames: ['ev'],
    columns: [column('Type', '.type'), column('Reason', '.reason'), column('Note', '.note')],
    fields: ['regarding.kind', 'regarding.name', 'regarding.namespace', 'reason', 'type'],
  },
  {
    group: 'apps',
    versions: ['v1'],
    plural: 'deployments',
    kind: 'Deployment',
    shortNames: ['deploy'],
    categories: ['all'],
    status: true,
    scale: true,
    columns: [
      column('Replicas', '.spec.replicas', 'integer'),
      column('Ready', '.status.readyReplicas', 'integer'),
      column('Up-to-date', '.status.updatedReplicas', 'integer'),
      column('Available', '.status.availableReplicas', 'integer'),
    ],
  },
  {
    group: 'apps',
    versions: ['v1'],
    plural: 'daemonsets',
    kind: 'DaemonSet',
    shortNames: ['ds'],
    categories: ['all'],
    status: true,
    columns: [
      column('Desired', '.status.desiredNumberScheduled', 'integer'),
      column('Current', '.status.currentNumberScheduled', 'integer'),
      column('Ready', '.status.numberReady', 'integer'),
      column('Up-to-date', '.status.updatedNumberScheduled', 'integer'),
      column('Available', '.status.numberAvailable', 'integer'),
    ],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'nodes',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    status: true,
  },
  {
    group: 'apps',
    versions: ['v1'],
    plural: 'replicasets',
    kind: 'ReplicaSet',
    shortNames: ['rs'],
    categories: ['all'],
    status: true,
    scale: true,
    columns: [
      column('Desired', '.spec.replicas', 'integer'),
      column('Ready', '.status.readyReplicas', 'integer'),
    ],
  },
  {
    group: 'autoscaling',
    versions: ['v2'],
    plural: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    shortNames: ['hpa'],
    categories: ['all'],
    status: true,
    columns: [
      column('Reference', '.spec.scaleTargetRef.name'),
      column('MinPods', '.spec.minReplicas', 'integer'),
      column('MaxPods', '.spec.maxReplicas', 'integer'),
      column('Replicas', '.status.currentReplicas', 'integer'),
    ],
  },
  {
    group: 'networking.k8s.io',
    versions: ['v1'],
    plural: 'ingresses',
    kind: 'Ingress',
    shortNames: ['ing'],
    status: true,
    columns: [
      column('Class', '.spec.ingressClassName'),
      column('Hosts', '.spec.rules[*].host'),
      column('Address', '.status.loadBalancer.ingress[*].ip'),
    ],
  },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], plural: 'roles', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], plural: 'rolebindings', kind: 'RoleBinding' },
  {
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    plural: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  {
    group: 'coordination.k8s.io',
    versions: ['v1'],
    plural: 'leases',
    kind: 'Lease',
    columns: [column('Holder', '.spec.holderIdentity')],
  },
  {
    group: 'apiextensions.k8s.io',
    versions: ['v1'],
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    status: true,
    columns: [column('Created At', '.metadata.creationTimestamp')],
    noAge: true,
  },
];

function fromBuiltin(spec: BuiltinSpec): ResourceType {
  const scale: ScaleSubresource | undefined = spec.scale
    ? {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.spec.selector',
      }
    : undefined;
  return {
    group: spec.group,
    versions: spec.versions,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    statusSubresource: spec.status ?? false,
    ...(scale ? { scale } : {}),
    printerColumns: [...(spec.columns ?? []), ...(spec.noAge === true ? [] : [AGE])],
    extraSelectableFields: spec.fields ?? [],
    custom: false,
  };
}

export function builtinResourceTypes(): ResourceType[] {
  return BUILTINS.map(fromBuiltin);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function printerColumns(version: JsonObject): PrinterColumn[] {
  const columns = version.additionalPrinterColumns;
  if (!Array.isArray(columns) || columns.length === 0) return [AGE];
  return columns.filter(isObject).map((entry) => ({
    name: stringField(entry, 'name') ?? '',
    type: stringField(entry, 'type') ?? 'string',
    jsonPath: stringField(entry, 'jsonPath') ?? '',
    ...(typeof entry.priority === 'number' ? { priority: entry.priority } : {}),
    ...(typeof entry.format === 'string' ? { format: entry.format } : {}),
    ...(typeof entry.description === 'string' ? { description: entry.description } : {}),
  }));
}

function scaleOf(subresources: unknown): ScaleSubresource | undefined {
  const scale = getPath(subresources, 'scale');
  if (!isObject(scale)) return undefined;
  const label = stringField(scale, 'labelSelectorPath');
  return {
    specReplicasPath: stringField(scale, 'specReplicasPath') ?? '.spec.replicas',
    statusReplicasPath: stringField(scale, 'statusReplicasPath') ?? '.status.replicas',
    ...(label !== undefined ? { labelSelectorPath: label } : {}),
  };
}

function required(value: string | undefined, field: string): string {
  if (value === undefined || value === '') throw badRequest(`CustomResourceDefinition ${field} is required`);
  return value;
}

function schemasOf(versions: JsonObject[]): Record<string, JsonObject> {
  const schemas: Record<string, JsonObject> = {};
  for (const version of versions) {
    const schema = getPath(version, 'schema.openAPIV3Schema');
    const name = stringField(version, 'name');
    if (name !== undefined && isObject(schema)) schemas[name] = schema;
  }
  return schemas;
}

/** Turns an `apiextensions.k8s.io/v1` CustomResourceDefinition into the resource it serves. */
export function resourceTypeFromCrd(crd: JsonObject): ResourceType {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const versions = (Array.isArray(spec.versions) ? spec.versions : [])
    .filter(isObject)
    .filter((version) => version.served !== false);
  if (versions.length === 0)
    throw badRequest('CustomResourceDefinition spec.versions must list at least one served version');
  const storage = versions.find((version) => version.storage === true) ?? versions[0];
  const ordered = storage ? [storage, ...versions.filter((version) => version !== storage)] : versions;
  const head = ordered[0] ?? {};
  const kind = required(stringField(names, 'kind'), 'spec.names.kind');
  const selectable = Array.isArray(head.selectableFields) ? head.selectableFields.filter(isObject) : [];
  return {
    group: required(stringField(spec, 'group'), 'spec.group'),
    versions: ordered.map((version) => required(stringField(version, 'name'), 'spec.versions[].name')),
    plural: required(stringField(names, 'plural'), 'spec.names.plural'),
    singular: stringField(names, 'singular') ?? kind.toLowerCase(),
    kind,
    listKind: stringField(names, 'listKind') ?? `${kind}List`,
    namespaced: stringField(spec, 'scope') !== 'Cluster',
    shortNames: stringList(names.shortNames),
    categories: stringList(names.categories),
    statusSubresource: isObject(getPath(head, 'subresources.status')),
    ...(scaleOf(head.subresources) ? { scale: scaleOf(head.subresources) } : {}),
    printerColumns: printerColumns(head),
    extraSelectableFields: selectable.map((field) =>
      (stringField(field, 'jsonPath') ?? '').replace(/^\./, ''),
    ),
    custom: true,
    crdName: stringField(isObject(crd.metadata) ? crd.metadata : undefined, 'name') ?? '',
    schemas: schemasOf(ordered),
  };
}

/** The set of resources currently served, indexed the ways URLs and discovery need them. */
export class ResourceRegistry {
  private readonly types = new Map<string, ResourceType>();

  constructor(initial: readonly ResourceType[] = []) {
    for (const type of initial) this.add(type);
  }

  add(type: ResourceType): void {
    this.types.set(typeKey(type.group, type.plural), type);
  }

  remove(group: string, plural: string): void {
    this.types.delete(typeKey(group, plural));
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    const type = this.types.get(typeKey(group, plural));
    return type?.versions.includes(version) ? type : undefined;
  }

  byKey(key: string): ResourceType | undefined {
    return this.types.get(key);
  }

  /** Groups with their served versions, core group first, in a stable order. */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const type of this.types.values()) {
      const versions = groups.get(type.group) ?? [];
      for (const version of type.versions) if (!versions.includes(version)) versions.push(version);
      groups.set(type.group, versions);
    }
    return groups;
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all().filter((type) => type.group === group && type.versions.includes(version));
  }
}
