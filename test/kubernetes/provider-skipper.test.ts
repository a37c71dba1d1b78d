/**
 * The skipper provider through the shared provider rollout. The canary's share is read from
 * `<ingress>-canary` as Skipper reads it (its Kubernetes ingress docs): a `False()` predicate
 * disables the route, so the user's Ingress (the primary) serves everything; otherwise
 * `zalando.org/backend-weights` are ratios between the route's backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { INGRESS } from '../../src/routing/providers/ingress.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-skipper');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

function canaryShare(ingress: KubeObject): number | undefined {
  const a = ingress.metadata.annotations ?? {};
  const predicates = (a['zalando.org/skipper-predicate'] ?? '').split('&&').map((p) => p.trim());
  if (predicates.includes('False()')) return 0;
  const weights = JSON.parse(a['zalando.org/backend-weights'] ?? '{}') as Record<string, number>;
  const total = Object.values(weights).reduce((s, w) => s + w, 0);
  const canary = weights['sk-canary'];
  if (canary === undefined || total === 0) return undefined;
  return Math.round((canary * 100) / total);
}

describe('provider skipper', { timeout: 300_000 }, () => {
  it('promotes in steps of backend weights and rolls back to the primary', async () => {
    await suite.client.create(INGRESS, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'sk-ingress',
        namespace: suite.ns,
        annotations: { 'kubernetes.io/ingress.class': 'skipper' },
      },
      spec: {
        rules: [
          {
            host: 'sk.example.com',
            http: {
              paths: [
                {
                  pathType: 'Prefix',
                  path: '/',
                  backend: { service: { name: 'sk', port: { number: 9898 } } },
                },
              ],
            },
          },
        ],
      },
    });
    const trace = await promoteAndRollBack({
      suite,
      provider: 'skipper',
      name: 'sk',
      spec: { ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'sk-ingress' } },
      split: { resource: INGRESS, name: 'sk-ingress-canary', canaryWeight: canaryShare },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
    const user = await suite.client.get(INGRESS, suite.ns, 'sk-ingress');
    expect(user?.metadata.annotations).toEqual({ 'kubernetes.io/ingress.class': 'skipper' });
    const paths = (
      user?.spec as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] }
    ).rules[0]?.http.paths;
    expect(paths?.map((p) => p.backend.service.name)).toEqual(['sk']);
  });
});
