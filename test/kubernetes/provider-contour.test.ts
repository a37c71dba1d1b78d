/**
 * The contour provider through the shared provider rollout: an HTTPProxy whose first route's
 * services carry the weights, read as Contour reads them (each service's share of the sum of
 * weights; a service without a weight gets none of the traffic unless no service has one, when
 * they share it equally). The A/B case reads the header route, which must carry the
 * canary while the catch-all route stays on the primary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { HTTP_PROXY } from '../../src/routing/providers/contour.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-contour');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

interface Route {
  conditions?: { prefix?: string; header?: Record<string, string> }[];
  services?: { name: string; weight?: number }[];
}

function share(route: Route | undefined, service: string): number | undefined {
  const services = route?.services;
  if (!services || services.length === 0) return undefined;
  const weighted = services.some((s) => s.weight !== undefined);
  const weights = services.map((s) => ({ name: s.name, weight: weighted ? (s.weight ?? 0) : 1 }));
  const total = weights.reduce((sum, s) => sum + s.weight, 0);
  const target = weights.find((s) => s.name === service);
  if (!target || total === 0) return undefined;
  return Math.round((target.weight * 100) / total);
}

const routesOf = (proxy: KubeObject) => (proxy.spec as { routes?: Route[] }).routes ?? [];

describe('provider contour', { timeout: 300_000 }, () => {
  it('promotes in steps and rolls back to the primary', async () => {
    const trace = await promoteAndRollBack({
      suite,
      provider: 'contour',
      name: 'ct',
      split: { resource: HTTP_PROXY, name: 'ct', canaryWeight: (p) => share(routesOf(p)[0], 'ct-canary') },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
  });

  it('A/B: the header route sends x-canary: insider to the canary, the rest stays on the primary', async () => {
    const headerRoute = (proxy: KubeObject) =>
      routesOf(proxy).find((r) => r.conditions?.some((c) => c.header?.name === 'x-canary'));
    const catchAll = (proxy: KubeObject) =>
      routesOf(proxy).find((r) => r.conditions?.every((c) => !c.header));
    const trace = await promoteAndRollBack({
      suite,
      provider: 'contour',
      name: 'ctab',
      analysis: { iterations: 2, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] },
      split: {
        resource: HTTP_PROXY,
        name: 'ctab',
        canaryWeight: (proxy) => {
          // Everyone without the header stays on the primary at every step.
          if (share(catchAll(proxy), 'ctab-canary') !== 0) return -1;
          return share(headerRoute(proxy), 'ctab-canary');
        },
      },
    });
    expect(trace.promotion).toEqual([0, 100, 0]);
    expect(trace.rollback).toEqual([0, 100, 0]);
  });
});
