/**
 * Every HTTPRoute Serin renders is one a cluster with the Gateway API standard channel accepts:
 * applied to the CEL-enforcing test API server (or the cluster `KUBECONFIG` names), it is created
 * (no 422 from the schema or its CEL rules) and stored as sent (nothing pruned, so no field Serin
 * wrote is silently dropped by a standard-channel CRD). Routes come from every Canary fixture and
 * example, at the traffic plans a rollout goes through, and from generated Canary specs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { canaryCapabilities, capabilityOptionsFor } from '../../src/api/capabilities.js';
import type { Canary, CanaryInput } from '../../src/api/canary.js';
import { validateDocument } from '../../src/api/documents.js';
import { readManifests } from '../../src/routing/manifests.js';
import { analysisOf } from '../../src/routing/names.js';
import { renderHttpRoute } from '../../src/routing/render/gateway-api.js';
import type { KubeObject } from '../../src/routing/render/kubernetes.js';
import { planForPhase, type TrafficPlan } from '../../src/routing/render/plan.js';
import { makeCanary } from '../../src/routing/render/test-support.js';
import { useCluster, type Cluster } from '../apiserver/index.js';

const root = join(import.meta.dirname, '..', '..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

interface FixtureCanary {
  source: string;
  canary: Canary;
  gatewayApi: boolean;
}

/** Every valid Canary in the fixtures and examples (invalid ones are the validation corpus's). */
function fixtureCanaries(): FixtureCanary[] {
  const files = [join(root, 'test', 'fixtures'), join(root, 'examples')].flatMap(yamlFiles);
  const set = readManifests(files.map((file) => ({ name: file, text: readFileSync(file, 'utf8') })));
  const raws = set.manifests.map((m) => m.raw);
  return set.manifests.flatMap((m) => {
    if (m.kind !== 'Canary') return [];
    const parsed = validateDocument(m.raw, m.index, m.line);
    const capabilities = canaryCapabilities(m.raw, capabilityOptionsFor(raws));
    const errors = [...parsed.diagnostics, ...capabilities].filter((d) => d.severity === 'error');
    if (errors.length > 0 || parsed.value === undefined) return [];
    const canary = parsed.value as Canary;
    const provider = canary.spec.provider ?? '';
    return [
      {
        source: `${m.file.slice(root.length + 1)}#${m.index}`,
        canary,
        gatewayApi: provider.startsWith('gatewayapi') || provider === 'gateway-api',
      },
    ];
  });
}

/** The plans a rollout of this Canary goes through, with session cookies as the engine sets them. */
function rolloutPlans(canary: Canary): TrafficPlan[] {
  const plans = [
    planForPhase(canary, 'Initialized'),
    planForPhase(canary, 'Progressing', 30),
    planForPhase(canary, 'Promoting'),
    { primaryWeight: 0, canaryWeight: 100, mirrored: false },
  ];
  if (analysisOf(canary)?.mirror === true)
    plans.push({ primaryWeight: 100, canaryWeight: 0, mirrored: true });
  const sa = analysisOf(canary)?.sessionAffinity;
  return plans.map((plan) =>
    sa && plan.canaryWeight > 0
      ? {
          ...plan,
          cookies: {
            canary: `${sa.cookieName}=abcdef`,
            ...(sa.primaryCookieName ? { primary: `${sa.primaryCookieName}=ghijkl` } : {}),
          },
        }
      : plan,
  );
}

type Rendered = { route: KubeObject } | { refused: string };

function render(canary: Canary, plan: TrafficPlan): Rendered {
  try {
    return { route: renderHttpRoute(canary, plan) };
  } catch (error) {
    return { refused: error instanceof Error ? error.message : String(error) };
  }
}

let cluster: Cluster;
let sequence = 0;
const namespace = `httproutes-${process.pid}`;

beforeAll(async () => {
  cluster = await useCluster();
  await send('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
});

afterAll(async () => {
  await send('DELETE', `/api/v1/namespaces/${namespace}`);
  await cluster.stop();
});

async function send(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const server = cluster.kubeConfig.getCurrentCluster()?.server ?? '';
  const options: { headers: Record<string, string> } = { headers: { 'Content-Type': 'application/json' } };
  await cluster.kubeConfig.applyToFetchOptions(options);
  const response = await fetch(`${server}${path}`, {
    method,
    headers: options.headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Creates the route under a fresh name; returns what the server said and stored. */
async function apply(route: KubeObject): Promise<{ status: number; body: unknown }> {
  sequence += 1;
  const metadata = { ...(route.metadata as object), name: `route-${sequence}`, namespace };
  delete (metadata as { ownerReferences?: unknown }).ownerReferences;
  return send('POST', `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes`, {
    ...route,
    metadata,
  });
}

/** The accepted route's spec keeps every field Serin wrote (the server may only add defaults). */
function expectStoredAsSent(sent: KubeObject, stored: unknown): void {
  expect(stored).toMatchObject({ spec: sent.spec as object });
}

describe('HTTPRoutes rendered from the Canary fixtures and examples', () => {
  const fixtures = fixtureCanaries();

  it('finds the Gateway API fixtures (so the suite below cannot pass empty)', () => {
    expect(fixtures.filter((f) => f.gatewayApi).length).toBeGreaterThanOrEqual(2);
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
  });

  it('Gateway API Canaries render at every plan of their rollout, and each route is accepted as sent', async () => {
    for (const { source, canary } of fixtures.filter((f) => f.gatewayApi)) {
      for (const plan of rolloutPlans(canary)) {
        const rendered = render(canary, plan);
        expect(rendered, `${source} ${JSON.stringify(plan)}`).toHaveProperty('route');
        if (!('route' in rendered)) continue;
        const applied = await apply(rendered.route);
        expect(applied.status, `${source}: ${JSON.stringify(applied.body)}`).toBe(201);
        expectStoredAsSent(rendered.route, applied.body);
      }
    }
  });

  it('every other Canary renders as an HTTPRoute the server accepts, or is refused naming a field', async () => {
    let accepted = 0;
    for (const { source, canary } of fixtures.filter((f) => !f.gatewayApi)) {
      for (const plan of rolloutPlans(canary)) {
        const rendered = render(canary, plan);
        if ('refused' in rendered) {
          expect(rendered.refused, source).toMatch(/^spec\.[\w.[\]-]+/);
          continue;
        }
        const applied = await apply(rendered.route);
        expect(applied.status, `${source}: ${JSON.stringify(applied.body)}`).toBe(201);
        expectStoredAsSent(rendered.route, applied.body);
        accepted += 1;
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });
});

const plan = (canaryWeight: number, mirrored = false): TrafficPlan => ({
  primaryWeight: 100 - canaryWeight,
  canaryWeight,
  mirrored,
});

describe('Istio features in Gateway API terms', () => {
  it('a prefix rewrite over two matches becomes one rule per match, each accepted', async () => {
    const canary = makeCanary({
      match: [{ uri: { prefix: '/api' } }, { uri: { prefix: '/v1' } }],
      rewrite: { uri: '/' },
    });
    const route = renderHttpRoute(canary, plan(10));
    const applied = await apply(route);
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const rules = (route.spec as { rules: { matches: unknown[] }[] }).rules;
    expect(rules.map((rule) => rule.matches)).toEqual([
      [{ path: { type: 'PathPrefix', value: '/api' } }],
      [{ path: { type: 'PathPrefix', value: '/v1' } }],
    ]);
  });
});

describe('generated Canary specs', () => {
  const prefix = fc.constantFrom('/api', '/v1', '/', '/static/assets');
  const header = fc.record({
    name: fc.constantFrom('x-canary', 'user-agent', 'x-user'),
    value: fc.stringMatching(/^[a-z]{1,8}$/),
  });
  const match = fc.record(
    {
      uri: fc.oneof(
        prefix.map((p) => ({ prefix: p })),
        fc.constantFrom('/health', '/login').map((p) => ({ exact: p })),
      ),
      headers: header.map(({ name, value }) => ({ [name]: { exact: value } })),
      method: fc.constantFrom('GET', 'POST').map((m) => ({ exact: m })),
    },
    { requiredKeys: [] },
  );
  const service = fc.record(
    {
      match: fc.array(match, { minLength: 1, maxLength: 4 }),
      rewrite: fc.record(
        {
          uri: prefix,
          authority: fc.constantFrom('internal.example.com', 'api.local'),
        },
        { requiredKeys: [] },
      ),
      timeout: fc.constantFrom('5s', '30s'),
      hosts: fc.constant(['app.example.com']),
      gateways: fc.constantFrom(['mesh'], ['edge/public'], ['public', 'mesh']),
      headers: fc.constant({ request: { set: { 'x-env': 'prod' } }, response: { remove: ['server'] } }),
      corsPolicy: fc.record(
        {
          allowOrigins: fc.constant([{ exact: 'https://app.example.com' }]),
          allowMethods: fc.subarray(['GET', 'POST', 'PUT'], { minLength: 1 }),
          allowHeaders: fc.constant(['x-requested-with']),
          maxAge: fc.constantFrom('1h', '30s'),
          allowCredentials: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );
  const analysis = fc.oneof(
    fc.constant({ interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 }),
    fc.integer({ min: 0, max: 100 }).map((mirrorWeight) => ({
      interval: '1m',
      threshold: 5,
      iterations: 3,
      mirror: true,
      mirrorWeight,
    })),
    fc.constant({
      interval: '1m',
      threshold: 5,
      iterations: 3,
      match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
    }),
  );

  it('render → apply: every route rendered is accepted as sent; a refusal names a spec field', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(service, analysis, fc.integer({ min: 0, max: 100 }), async (svc, a, weight) => {
        const canary = makeCanary(
          svc as Partial<CanaryInput['spec']['service']>,
          a as CanaryInput['spec']['analysis'],
        );
        const mirrored = analysisOf(canary)?.mirror === true;
        const rendered = render(canary, mirrored ? plan(0, true) : plan(weight));
        if ('refused' in rendered) {
          expect(rendered.refused).toMatch(/^spec\.[\w.[\]-]+/);
          return;
        }
        const applied = await apply(rendered.route);
        expect(applied.status, JSON.stringify(applied.body)).toBe(201);
        expectStoredAsSent(rendered.route, applied.body);
        accepted += 1;
      }),
      { numRuns: 60, seed: 1302 },
    );
    expect(accepted).toBeGreaterThan(30);
  });
});
