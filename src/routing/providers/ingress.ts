/**
 * What the ingress-controller providers (nginx, skipper) share, as Flagger's routers do: the
 * user's Ingress named by `spec.ingressRef` stays theirs and keeps routing `<svc>` (whose selector
 * is the primary's); Serin writes a second Ingress `<ingress>-canary`, cloned from it, that the
 * ingress controller reads the split from.
 */
import type { Canary } from '../../api/canary.js';
import { ignored, invalid, type CapabilityIssue } from '../../api/capability-issue.js';
import { ownerReferences } from '../render/kubernetes.js';
import type { KubeObject, Lookup, ObjectRef, ResourceType } from './types.js';

export const INGRESS: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'ingresses',
  kind: 'Ingress',
  namespaced: true,
};

/** kubectl's record of the user's last apply belongs to the user's object, never to a copy. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The user's Ingress name, from `spec.ingressRef` (capability checks refuse a Canary without it). */
export function ingressRefName(canary: Pick<Canary, 'spec'>): string {
  const name = canary.spec.ingressRef?.name;
  if (name === undefined || name === '') throw new Error('spec.ingressRef.name: required');
  return name;
}

export const canaryIngressName = (canary: Pick<Canary, 'spec'>) => `${ingressRefName(canary)}-canary`;

export const userIngressRef = (canary: Canary): ObjectRef => ({
  resource: INGRESS,
  name: ingressRefName(canary),
});
export const canaryIngressRef = (canary: Canary): ObjectRef => ({
  resource: INGRESS,
  name: canaryIngressName(canary),
});

/** What Flagger requires of `spec.ingressRef` for an Ingress provider. */
export function ingressRefIssues(spec: Readonly<Json>, provider: string): CapabilityIssue[] {
  const ref = spec.ingressRef;
  if (!isRecord(ref) || typeof ref.name !== 'string' || ref.name === '')
    return [
      invalid(
        'spec.ingressRef',
        `required by the ${provider} provider: the Ingress (networking.k8s.io/v1) that routes the service`,
      ),
    ];
  const issues: CapabilityIssue[] = [];
  if (ref.kind !== undefined && ref.kind !== 'Ingress')
    issues.push(invalid('spec.ingressRef.kind', `expected Ingress, got ${JSON.stringify(ref.kind)}`));
  if (ref.apiVersion !== undefined && ref.apiVersion !== 'networking.k8s.io/v1')
    issues.push(
      invalid(
        'spec.ingressRef.apiVersion',
        `expected networking.k8s.io/v1 (the only Ingress version ${provider} is read in), got ${JSON.stringify(ref.apiVersion)}`,
      ),
    );
  if (typeof ref.namespace === 'string' && ref.namespace !== '')
    issues.push(
      ignored(
        'spec.ingressRef.namespace',
        "the Ingress is always read in the Canary's own namespace, as Flagger does; this is ignored",
      ),
    );
  return issues;
}

interface IngressPath {
  backend?: { service?: { name?: string } };
  [key: string]: unknown;
}
interface IngressRule {
  http?: { paths?: IngressPath[] };
  [key: string]: unknown;
}

/** The user's Ingress, or an error naming it when render cannot proceed without it. */
export function userIngress(canary: Canary, live: Lookup): KubeObject {
  const name = ingressRefName(canary);
  const found = live(INGRESS, name);
  if (!found) throw new Error(`spec.ingressRef: Ingress ${name} not found`);
  return found;
}

/**
 * The user's Ingress spec with every path whose backend is the apex Service replaced by
 * `inPlace(path)` and, when `appended` is given, a copy `appended(path)` added at the end of that
 * rule's paths, as Flagger's routers rewrite it. Refuses an Ingress with no such path, naming it,
 * as Flagger does.
 */
export function rewriteApexPaths(
  ingress: KubeObject,
  apex: string,
  inPlace: (path: IngressPath) => IngressPath,
  appended?: (path: IngressPath) => IngressPath,
): Json {
  const spec = structuredClone(isRecord(ingress.spec) ? ingress.spec : {});
  const rules = Array.isArray(spec.rules) ? (spec.rules as IngressRule[]) : [];
  const isApex = (path: IngressPath) => path.backend?.service?.name === apex;
  if (!rules.some((rule) => rule.http?.paths?.some(isApex)))
    throw new Error(`backend ${apex} not found in Ingress ${ingress.metadata.name}`);
  for (const rule of rules) {
    const paths = rule.http?.paths;
    if (!paths) continue;
    const added = appended ? paths.filter(isApex).map(appended) : [];
    rule.http = { ...rule.http, paths: [...paths.map((p) => (isApex(p) ? inPlace(p) : p)), ...added] };
  }
  return spec;
}

/** A path of the user's Ingress pointed at another Service, everything else kept. */
export function withServiceName(path: IngressPath, name: string): IngressPath {
  const copy = structuredClone(path);
  copy.backend = { ...copy.backend, service: { ...copy.backend?.service, name } };
  return copy;
}

/** The `<ingress>-canary` object around a spec and annotations: the user's labels, Serin's owner. */
export function canaryIngress(
  canary: Canary,
  user: KubeObject,
  spec: Json,
  annotations: Record<string, string>,
): KubeObject {
  const owners = ownerReferences(canary);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: canaryIngressName(canary),
      ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
      ...(user.metadata.labels ? { labels: { ...user.metadata.labels } } : {}),
      annotations,
      ...(owners ? { ownerReferences: owners } : {}),
    },
    spec,
  };
}
