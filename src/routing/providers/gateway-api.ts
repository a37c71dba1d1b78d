/**
 * Gateway API (`spec.provider: gatewayapi:v1`): one HTTPRoute `<svc>` with weighted backendRefs to
 * `<svc>-primary` and `<svc>-canary`, as Flagger's gatewayapi router writes it, on the v1.6
 * standard channel (ADR 0016).
 */
import { notYet, type CapabilityIssue } from '../../api/capability-issue.js';
import { Resources } from '../../kubernetes/resources.js';
import { serviceNames } from '../names.js';
import { renderHttpRoute } from '../render/gateway-api.js';
import { ALL_ON_PRIMARY, type Lookup, type RoutingProvider } from './types.js';
import type { Canary } from '../../api/canary.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** Service fields an HTTPRoute of the standard channel has no place for (the renderer refuses them too). */
function issues(spec: Readonly<Json>): CapabilityIssue[] {
  const service = isRecord(spec.service) ? spec.service : {};
  const unsupported: [string, string][] = [
    ['retries', 'retries with the Gateway API provider (the standard channel has no HTTPRoute retry policy)'],
    ['trafficPolicy', 'trafficPolicy with the Gateway API provider (an HTTPRoute has no traffic policy)'],
  ];
  const found = unsupported
    .filter(([key]) => service[key] !== undefined)
    .map(([key, what]) => notYet(`spec.service.${key}`, what, ['istio']));
  if (service.delegation === true)
    found.push(notYet('spec.service.delegation', 'delegation with the Gateway API provider', ['istio']));
  if (service.routing === 'merge')
    found.push(notYet('spec.service.routing', 'merge routing with the Gateway API provider', ['istio']));
  const rewrite = isRecord(service.rewrite) ? service.rewrite : {};
  if (rewrite.uriRegexRewrite !== undefined)
    found.push(
      notYet('spec.service.rewrite.uriRegexRewrite', 'uriRegexRewrite with the Gateway API provider', [
        'istio',
      ]),
    );
  return found;
}

function read(canary: Canary, live: Lookup) {
  const names = serviceNames(canary);
  const route = live(Resources.httpRoute, names.apex);
  if (!route || !isRecord(route.spec)) return ALL_ON_PRIMARY;
  for (const rule of records(route.spec.rules)) {
    const refs = records(rule.backendRefs);
    const p = refs.find((r) => r.name === names.primary);
    const c = refs.find((r) => r.name === names.canary);
    if (!p || !c) continue;
    return {
      primaryWeight: typeof p.weight === 'number' ? p.weight : 1,
      canaryWeight: typeof c.weight === 'number' ? c.weight : 1,
      mirrored: records(rule.filters).some((f) => f.type === 'RequestMirror'),
    };
  }
  return ALL_ON_PRIMARY;
}

export const gatewayApiProvider: RoutingProvider = {
  id: 'gateway-api',
  names: ['gatewayapi:v1', 'gatewayapi:v1beta1', 'gateway-api'],
  features: { weights: true, headers: true, cookies: true, mirror: true, sessionAffinity: true },
  resources: [Resources.httpRoute],
  issues,
  inputs: () => [],
  render: (canary, plan) => [renderHttpRoute(canary, plan)],
  watched: (canary) => [{ resource: Resources.httpRoute, name: serviceNames(canary).apex }],
  read,
  finalize: (canary) => ({
    delete: [{ resource: Resources.httpRoute, name: serviceNames(canary).apex }],
    apply: [],
  }),
};
