/**
 * Which requests the shipped RBAC allows: each request the controller made (method and path, as
 * the test API server recorded them) becomes the attributes an authorizer checks (API group,
 * resource with subresource, verb), matched against the rules of a ClusterRole or Role file.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { RequestRecord } from '../apiserver/server.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

export interface Attributes {
  group: string;
  resource: string;
  verb: string;
}

/** The authorizer's attributes of one request; undefined for non-resource paths (discovery, /version). */
export function attributesOf(
  request: Pick<RequestRecord, 'method' | 'path' | 'watch'>,
): Attributes | undefined {
  const parts = request.path.split('/').filter((p) => p !== '');
  let rest: string[];
  let group: string;
  if (parts[0] === 'api' && parts.length >= 3) [group, rest] = ['', parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 4) [group, rest] = [parts[1] ?? '', parts.slice(3)];
  else return undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [plural, name, sub] = rest;
  if (plural === undefined) return undefined;
  const resource = sub === undefined ? plural : `${plural}/${sub}`;
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const verb =
    request.method === 'GET'
      ? request.watch
        ? 'watch'
        : name === undefined
          ? 'list'
          : 'get'
      : verbs[request.method];
  return verb === undefined ? undefined : { group, resource, verb };
}

/** Every rule of every Role or ClusterRole in a YAML file. */
export function rulesOf(file: string): Rule[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap(
    (document) => (document.toJS() as { rules?: Rule[] } | null)?.rules ?? [],
  );
}

export function allows(rules: readonly Rule[], a: Attributes): boolean {
  return rules.some(
    (rule) =>
      (rule.apiGroups ?? []).includes(a.group) &&
      (rule.resources ?? []).includes(a.resource) &&
      (rule.verbs ?? []).includes(a.verb),
  );
}

/** The shipped ClusterRole and namespaced Role, each with the leader-election Role beside it. */
export function shippedRoles(): Record<'cluster' | 'namespaced', Rule[]> {
  const deploy = new URL('../../deploy/', import.meta.url);
  const leader = rulesOf(new URL('rbac/leader-election.yaml', deploy).pathname);
  return {
    cluster: [...rulesOf(new URL('rbac/cluster-role.yaml', deploy).pathname), ...leader],
    namespaced: [...rulesOf(new URL('namespaced/role.yaml', deploy).pathname), ...leader],
  };
}

/** `group/resource:verb` of every request made with `userAgent`, as the server recorded them. */
export function requestsMade(
  requests: readonly Pick<RequestRecord, 'method' | 'path' | 'watch' | 'userAgent'>[],
  userAgent: string | undefined,
): Set<string> {
  return new Set(
    requests
      .filter((r) => r.userAgent === userAgent)
      .map((r) => attributesOf(r))
      .filter((a) => a !== undefined)
      .map((a) => `${a.group}/${a.resource}:${a.verb}`),
  );
}

/** Of `made`, what each shipped role would deny (a 403 on a real cluster). */
export function deniedByShippedRoles(made: ReadonlySet<string>): Record<'cluster' | 'namespaced', string[]> {
  const roles = shippedRoles();
  const denied = (rules: readonly Rule[]) =>
    [...made].filter((key) => {
      const [resource, verb] = key.split(':') as [string, string];
      const slash = resource.indexOf('/');
      return !allows(rules, { group: resource.slice(0, slash), resource: resource.slice(slash + 1), verb });
    });
  return { cluster: denied(roles.cluster), namespaced: denied(roles.namespaced) };
}
