import { ApiError, badRequest } from './errors.js';
import type { ResourceRegistry, ResourceType } from './resources.js';

export interface ResourcePath {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** The deprecated `/watch/` path prefix, still used by some clients. */
  watchPrefix: boolean;
}

function notFoundPath(path: string): ApiError {
  return new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
}

/** Splits `/api/v1/...` and `/apis/<group>/<version>/...` into group, version and the rest. */
export function splitGroupVersion(
  segments: string[],
): { group: string; version: string; rest: string[] } | undefined {
  if (segments[0] === 'api' && segments[1] !== undefined) {
    return { group: '', version: segments[1], rest: segments.slice(2) };
  }
  if (segments[0] === 'apis' && segments[1] !== undefined && segments[2] !== undefined) {
    return { group: segments[1], version: segments[2], rest: segments.slice(3) };
  }
  return undefined;
}

/**
 * Resolves a resource URL. `/namespaces/<ns>/<plural>` is a namespaced collection when `<plural>`
 * is a namespaced resource of the group version; otherwise the path addresses a Namespace object.
 */
export function parseResourcePath(registry: ResourceRegistry, path: string): ResourcePath {
  const segments = path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw badRequest(`the request path ${path} is not valid percent-encoding`);
      }
    });
  const split = splitGroupVersion(segments);
  if (!split) throw notFoundPath(path);
  const { group, version } = split;
  let rest = split.rest;
  const watchPrefix = rest[0] === 'watch';
  if (watchPrefix) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const candidate = registry.find(group, version, rest[2] ?? '');
    if (candidate?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const [plural, name, subresource, ...extra] = rest;
  const type = plural === undefined ? undefined : registry.find(group, version, plural);
  if (!type || extra.length > 0) throw notFoundPath(path);
  if (subresource !== undefined && !isServedSubresource(type, subresource)) throw notFoundPath(path);
  return { type, version, namespace, name, subresource, watchPrefix };
}

function isServedSubresource(type: ResourceType, subresource: string): boolean {
  if (subresource === 'status') return type.statusSubresource;
  if (subresource === 'scale') return type.scale !== undefined;
  if (subresource === 'log') return type.group === '' && type.plural === 'pods';
  return false;
}
