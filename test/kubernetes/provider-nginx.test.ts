/**
 * The nginx provider through the shared provider rollout. The canary's share is read from
 * `<ingress>-canary` as ingress-nginx reads a canary Ingress (its annotations docs): nothing
 * unless `canary: "true"`; a request with the `canary-by-header` header (at the
 * `canary-by-header-value`, or "always") or the `canary-by-cookie` cookie set to "always" goes to
 * the canary whatever the weight; otherwise `canary-weight` percent of requests do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { INGRESS } from '../../src/routing/providers/ingress.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-nginx');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

const PREFIX = 'nginx.ingress.kubernetes.io';

/** The user's Ingress, as in Flagger's NGINX tutorial. */
async function createIngress(name: string): Promise<void> {
  await suite.client.create(INGRESS, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: suite.ns,
      labels: { app: name },
      annotations: { 'kubernetes.io/ingress.class': 'nginx' },
    },
    spec: {
      rules: [
        {
          host: `${name}.example.com`,
          http: {
            paths: [
              {
                pathType: 'Prefix',
                path: '/',
                backend: { service: { name, port: { number: 9898 } } },
              },
            ],
          },
        },
      ],
    },
  });
}

/** The share of requests ingress-nginx sends to the canary, for `request` (headers, cookies). */
function canaryShare(
  ingress: KubeObject,
  request: { headers?: Record<string, string>; cookies?: Record<string, string> },
) {
  const a = ingress.metadata.annotations ?? {};
  if (a[`${PREFIX}/canary`] !== 'true') return 0;
  const header = a[`${PREFIX}/canary-by-header`];
  if (header !== undefined) {
    const sent = request.headers?.[header];
    const expected = a[`${PREFIX}/canary-by-header-value`];
    const pattern = a[`${PREFIX}/canary-by-header-pattern`];
    if (sent !== undefined) {
      if (
        expected !== undefined
          ? sent === expected
          : pattern !== undefined
            ? new RegExp(pattern).test(sent)
            : sent === 'always'
      )
        return 100;
    }
  }
  const cookie = a[`${PREFIX}/canary-by-cookie`];
  if (cookie !== undefined && request.cookies?.[cookie] === 'always') return 100;
  const weight = Number(a[`${PREFIX}/canary-weight`] ?? '0');
  return Number.isInteger(weight) ? weight : undefined;
}

/** The user's Ingress must stay on the apex Service (whose selector is the primary's). */
async function userIngressUntouched(name: string): Promise<void> {
  const live = await suite.client.get(INGRESS, suite.ns, name);
  const spec = live?.spec as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] };
  expect(spec.rules[0]?.http.paths[0]?.backend.service.name).toBe(name);
  expect(Object.keys(live?.metadata.annotations ?? {}).filter((k) => k.startsWith(PREFIX))).toEqual([]);
}

describe('provider nginx', { timeout: 300_000 }, () => {
  it('promotes in steps of canary-weight and rolls back to the primary', async () => {
    const trace = await promoteAndRollBack({
      suite,
      provider: 'nginx',
      name: 'ng',
      setup: () => createIngress('ng'),
      spec: { ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'ng' } },
      split: { resource: INGRESS, name: 'ng-canary', canaryWeight: (o) => canaryShare(o, {}) },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
    const canary = await suite.client.get(INGRESS, suite.ns, 'ng-canary');
    const backend = (
      canary?.spec as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] }
    ).rules[0]?.http.paths[0]?.backend.service.name;
    expect(backend).toBe('ng-canary');
    await userIngressUntouched('ng');
  });

  it('A/B: the insider header and the canary cookie reach the canary, other requests never do', async () => {
    const insider = { headers: { 'x-canary': 'insider' } };
    const cookie = { cookies: { canary: 'always' } };
    const anyone = { headers: { 'x-canary': 'outsider' } };
    const shares: number[][] = [];
    const trace = await promoteAndRollBack({
      suite,
      provider: 'nginx',
      name: 'ab',
      setup: () => createIngress('ab'),
      spec: { ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'ab' } },
      analysis: {
        iterations: 2,
        match: [
          { headers: { 'x-canary': { exact: 'insider' } } },
          { headers: { cookie: { exact: 'canary' } } },
        ],
      },
      split: {
        resource: INGRESS,
        name: 'ab-canary',
        canaryWeight: (o) => {
          const seen = [insider, cookie, anyone].map((r) => canaryShare(o, r) ?? -1);
          shares.push(seen);
          return seen[0];
        },
      },
    });
    expect(trace.promotion).toEqual([0, 100, 0]);
    expect(trace.rollback).toEqual([0, 100, 0]);
    expect(shares).toContainEqual([100, 100, 0]);
    for (const [, , other] of shares) expect(other).toBe(0);
    await userIngressUntouched('ab');
  });
});
