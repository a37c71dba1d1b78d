import { scalarText, type JsonObject } from './json.js';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from './resources.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];

export function versionInfo(): JsonObject {
  return {
    major: '1',
    minor: '34',
    gitVersion: 'v1.34.0-serin-test',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(name: string, versions: string[]): JsonObject {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] ?? {} };
}

/** Every group of the registry, and the aggregated API groups (external metrics) served beside them. */
export function groupList(registry: ResourceRegistry, ...aggregated: (JsonObject | undefined)[]): JsonObject {
  const groups = [
    ...[...registry.groups().entries()]
      .filter(([name]) => name !== '')
      .map(([name, versions]) => groupEntry(name, versions)),
    ...aggregated.filter((entry): entry is JsonObject => entry !== undefined),
  ].sort((a, b) => scalarText(a.name).localeCompare(scalarText(b.name)));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function group(registry: ResourceRegistry, name: string): JsonObject | undefined {
  const versions = registry.groups().get(name);
  if (name === '' || !versions) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(name, versions) };
}

function resourceEntries(type: ResourceType): JsonObject[] {
  const main: JsonObject = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: VERBS,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
  };
  const entries = [main];
  if (type.statusSubresource) {
    entries.push({
      name: `${type.plural}/status`,
      singularName: '',
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: SUBRESOURCE_VERBS,
    });
  }
  if (type.scale) {
    entries.push({
      name: `${type.plural}/scale`,
      singularName: '',
      namespaced: type.namespaced,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: SUBRESOURCE_VERBS,
    });
  }
  return entries;
}

export function resourceList(
  registry: ResourceRegistry,
  groupName: string,
  version: string,
): JsonObject | undefined {
  const types = registry.inGroupVersion(groupName, version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(groupName, version),
    resources: types.sort((a, b) => a.plural.localeCompare(b.plural)).flatMap(resourceEntries),
  };
}

/**
 * A valid OpenAPI v2 document without schemas. kubectl's default client-side validation downloads
 * /openapi/v2 (after /openapi/v3 answers 404) and skips kinds it has no schema for, so `kubectl
 * apply` works without --validate=false; strategic merge patches then use kubectl's built-in types.
 */
export function openApiV2(): JsonObject {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.34.0' }, paths: {}, definitions: {} };
}

function openApiPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The /openapi/v3 index: one document per served group version. */
export function openApiV3Index(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  for (const [name, versions] of registry.groups()) {
    for (const version of versions) {
      const path = openApiPath(name, version);
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=serin` };
    }
  }
  return { paths };
}

const FIELD_VALIDATION = {
  name: 'fieldValidation',
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
};

/**
 * A schema-less OpenAPI v3 document for one group version. It declares that writes accept
 * `fieldValidation`, which is what kubectl checks before it leaves validation to the server.
 */
export function openApiV3Document(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const paths: JsonObject = {};
  for (const type of types) {
    const gvk = { group, version, kind: type.kind };
    const operation = (action: string): JsonObject => ({
      parameters: [FIELD_VALIDATION],
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    const base = `/${openApiPath(group, version)}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}`;
    paths[base] = { post: operation('post') };
    paths[`${base}/{name}`] = { put: operation('put'), patch: operation('patch') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.34.0' },
    paths,
    components: { schemas: {} },
  };
}
