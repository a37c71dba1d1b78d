import { describe, expect, it } from 'vitest';
import { renderHttpRoute } from '../routing/render/gateway-api.js';
import { makeCanary } from '../routing/render/test-support.js';
import type { KubeObject } from './client.js';
import { httpRouteUpToDate } from './router.js';

type Json = Record<string, unknown>;

/**
 * What a Gateway API server stores for an HTTPRoute it was sent (the CRD's defaults): a rule
 * without matches gets a `/` PathPrefix match, backendRefs get `group: ""`, `kind: Service` and
 * `weight: 1` when unset, parentRefs get the Gateway group and kind.
 */
function withServerDefaults(route: KubeObject): KubeObject {
  const live = structuredClone(route) as KubeObject & { spec: Json };
  const spec = live.spec as { parentRefs?: Json[]; rules?: Json[] };
  for (const p of spec.parentRefs ?? [])
    Object.assign(p, { group: 'gateway.networking.k8s.io', kind: 'Gateway', ...p });
  for (const rule of spec.rules ?? []) {
    rule.matches ??= [{ path: { type: 'PathPrefix', value: '/' } }];
    for (const b of (rule.backendRefs as Json[] | undefined) ?? [])
      Object.assign(b, { group: '', kind: 'Service', weight: 1, ...b });
  }
  return { ...live, metadata: { ...live.metadata, resourceVersion: '7', uid: 'u', generation: 1 } };
}

describe('HTTPRoute drift', () => {
  const canary = makeCanary({ gatewayRefs: [{ name: 'edge', namespace: 'infra' }] });
  const desired = renderHttpRoute(canary, {
    primaryWeight: 70,
    canaryWeight: 30,
    mirrored: false,
  }) as unknown as KubeObject;

  it('does not see server-side defaults as drift', () => {
    expect(httpRouteUpToDate(withServerDefaults(desired), desired)).toBe(true);
  });

  it('sees a changed weight, a removed backend and an added rule', () => {
    const weight = withServerDefaults(desired) as KubeObject & { spec: { rules: { backendRefs: Json[] }[] } };
    weight.spec.rules[0]!.backendRefs[1]!.weight = 0;
    expect(httpRouteUpToDate(weight, desired)).toBe(false);
    const removed = withServerDefaults(desired) as KubeObject & {
      spec: { rules: { backendRefs: Json[] }[] };
    };
    removed.spec.rules[0]!.backendRefs.pop();
    expect(httpRouteUpToDate(removed, desired)).toBe(false);
    const added = withServerDefaults(desired) as KubeObject & { spec: { rules: Json[] } };
    added.spec.rules.push({ backendRefs: [{ name: 'other', port: 80 }] });
    expect(httpRouteUpToDate(added, desired)).toBe(false);
  });
});
