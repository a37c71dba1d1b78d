/**
 * The appmesh:v1beta2 provider through the shared provider rollout. The oracle reads a
 * VirtualRouter as App Mesh routes a request: of the routes whose match the request satisfies,
 * the one with the lowest priority number wins (a route without priority after those with one),
 * and its weighted targets share traffic by relative weight. Every version of the router the
 * watch saw must keep App Mesh's shape (HTTP routes on `/`, targets on the two VirtualNodes);
 * once the Canary is initialised the nodes must select the pods their Services select and each
 * VirtualService must be provided by the router of its name, as App Mesh's controller resolves
 * them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import {
  APPMESH_VIRTUAL_NODE,
  APPMESH_VIRTUAL_ROUTER,
  APPMESH_VIRTUAL_SERVICE,
} from '../../src/routing/providers/appmesh-v1beta2.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-appmesh');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

interface Target {
  virtualNodeRef?: { name: string };
  weight: number;
}
interface Route {
  name: string;
  priority?: number;
  httpRoute?: {
    match: { prefix?: string; headers?: { name: string; match?: { exact?: string } }[] };
    action: { weightedTargets: Target[] };
  };
}

const routesOf = (router: KubeObject) => (router.spec as { routes?: Route[] }).routes ?? [];

/** The route App Mesh picks for a request to `/` with these headers. */
function chosen(router: KubeObject, headers: Record<string, string>): Route | undefined {
  const matches = (r: Route) =>
    r.httpRoute !== undefined &&
    '/'.startsWith(r.httpRoute.match.prefix ?? '/') &&
    (r.httpRoute.match.headers ?? []).every((h) => headers[h.name] === h.match?.exact);
  return routesOf(router)
    .filter(matches)
    .sort((a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity))[0];
}

/** The node's share of a route's traffic, by relative weight. */
function share(route: Route | undefined, node: string): number | undefined {
  const targets = route?.httpRoute?.action.weightedTargets ?? [];
  const total = targets.reduce((sum, t) => sum + t.weight, 0);
  if (total === 0) return undefined;
  const weight = targets.filter((t) => t.virtualNodeRef?.name === node).reduce((s, t) => s + t.weight, 0);
  return Math.round((weight * 100) / total);
}

/** -1 for a router version App Mesh would not route as Flagger's: the trace then shows it. */
function wellFormed(router: KubeObject, name: string): boolean {
  const nodes = new Set([`${name}-primary`, `${name}-canary`]);
  return routesOf(router).every(
    (r) =>
      r.httpRoute?.match.prefix === '/' &&
      r.httpRoute.action.weightedTargets.every((t) => nodes.has(t.virtualNodeRef?.name ?? '')),
  );
}

async function checkMeshObjects(name: string): Promise<void> {
  const { client, ns } = suite;
  for (const [node, service] of [
    [`${name}-primary`, `${name}-primary`],
    [`${name}-canary`, `${name}-canary`],
  ] as const) {
    const vn = await client.get(APPMESH_VIRTUAL_NODE, ns, node);
    const svc = await client.get(Resources.service, ns, service);
    expect(vn?.spec, node).toMatchObject({
      listeners: [{ portMapping: { port: 9898, protocol: 'http' } }],
      serviceDiscovery: { dns: { hostname: `${service}.${ns}.svc.cluster.local.` } },
      podSelector: { matchLabels: (svc?.spec as { selector: Record<string, string> }).selector },
    });
    expect(vn?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Canary', name });
  }
  for (const vsName of [name, `${name}-canary`]) {
    const vs = await client.get(APPMESH_VIRTUAL_SERVICE, ns, vsName);
    expect(vs?.spec).toEqual({ provider: { virtualRouter: { virtualRouterRef: { name: vsName } } } });
    expect(await client.get(APPMESH_VIRTUAL_ROUTER, ns, vsName), `router ${vsName}`).toBeDefined();
  }
  // `<svc>-canary.<ns>` reaches the canary whatever the step.
  const canaryRouter = await client.get(APPMESH_VIRTUAL_ROUTER, ns, `${name}-canary`);
  expect(share(chosen(canaryRouter!, {}), `${name}-canary`)).toBe(100);
}

describe('provider appmesh:v1beta2', { timeout: 300_000 }, () => {
  it('promotes in steps and rolls back to the primary', async () => {
    const trace = await promoteAndRollBack({
      suite,
      provider: 'appmesh:v1beta2',
      name: 'am',
      split: {
        resource: APPMESH_VIRTUAL_ROUTER,
        name: 'am',
        canaryWeight: (router) => (wellFormed(router, 'am') ? share(chosen(router, {}), 'am-canary') : -1),
      },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
    await checkMeshObjects('am');
  });

  it('A/B: x-canary: insider reaches the canary, everyone else stays on the primary', async () => {
    const trace = await promoteAndRollBack({
      suite,
      provider: 'appmesh:v1beta2',
      name: 'amab',
      analysis: { iterations: 2, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] },
      split: {
        resource: APPMESH_VIRTUAL_ROUTER,
        name: 'amab',
        canaryWeight: (router) => {
          if (!wellFormed(router, 'amab') || share(chosen(router, {}), 'amab-canary') !== 0) return -1;
          return share(chosen(router, { 'x-canary': 'insider' }), 'amab-canary');
        },
      },
    });
    expect(trace.promotion).toEqual([0, 100, 0]);
    expect(trace.rollback).toEqual([0, 100, 0]);
    await checkMeshObjects('amab');
  });
});
