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
