import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { APISIX_ROUTE_SCHEMA } from '../../../test/apiserver/apisix-crd.js';
import { crdProblems } from '../../../test/support/crd-conformance.js';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { describeProviderContract, lookupOf } from '../../../test/support/routing-provider-contract.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { CanaryDocument } from '../../api/canary.js';
import { generateCommand } from '../../cli/definitions/generate.js';
import type { KubeObject } from '../render/kubernetes.js';
import { apisixProvider, renderApisixRoute } from './apisix.js';

const raw = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: '1f0c5a52-0000-4000-8000-000000000004' },
  spec: {
    provider: 'apisix',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    routeRef: { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', name: 'podinfo' },
    service: { port: 80, targetPort: 9898 },
    analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
  },
};

/** The route of Flagger's APISIX tutorial, with a second HTTP route and a stream route beside it. */
const userRoute: KubeObject = {
  apiVersion: 'apisix.apache.org/v2',
  kind: 'ApisixRoute',
  metadata: { name: 'podinfo', namespace: 'test', labels: { app: 'podinfo' }, annotations: { team: 'shop' } },
  spec: {
    ingressClassName: 'apisix',
    http: [
      {
        name: 'other',
        match: { paths: ['/other/*'] },
        backends: [{ serviceName: 'other', servicePort: 80 }],
      },
      {
        name: 'method',
        match: { hosts: ['app.example.com'], methods: ['GET'], paths: ['/*'] },
        backends: [{ serviceName: 'podinfo', servicePort: 80, resolveGranularity: 'service' }],
        plugins: [{ name: 'prometheus', enable: true, config: { disable: false, prefer_name: true } }],
      },
    ],
    stream: [
      {
        name: 'tcp',
        protocol: 'TCP',
        match: { ingressPort: 9100 },
        backend: { serviceName: 'x', servicePort: 1 },
      },
    ],
  },
};

describeProviderContract(apisixProvider, () => ({
  canary: CanaryDocument.parse(raw),
  raw,
  inputs: [userRoute],
}));

const canary = CanaryDocument.parse(raw);
const at = (canaryWeight: number, route = userRoute) =>
  renderApisixRoute(
    canary,
    { primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false },
    lookupOf([route]),
  );

describe('apisix: the canary ApisixRoute Flagger writes', () => {
  it('is <route>-<svc>-canary with the user route metadata and the Canary as owner', () => {
    const route = at(0);
    expect(route.metadata).toEqual({
      name: 'podinfo-podinfo-canary',
      namespace: 'test',
      labels: { app: 'podinfo' },
      annotations: { team: 'shop' },
      ownerReferences: [expect.objectContaining({ kind: 'Canary', name: 'podinfo', controller: true })],
    });
  });

  it('holds only the apex HTTP route, at priority 10000, with weighted primary and canary backends', () => {
    expect(at(30).spec).toEqual({
      ingressClassName: 'apisix',
      http: [
        {
          name: 'method',
          priority: 10000,
          match: { hosts: ['app.example.com'], methods: ['GET'], paths: ['/*'] },
          backends: [
            { serviceName: 'podinfo-primary', servicePort: 80, resolveGranularity: 'service', weight: 70 },
            { serviceName: 'podinfo-canary', servicePort: 80, resolveGranularity: 'service', weight: 30 },
          ],
          plugins: [{ name: 'prometheus', enable: true, config: { disable: false, prefer_name: true } }],
        },
      ],
    });
  });

  it('keeps the canary backend at weight 0 before the rollout, as Flagger does', () => {
    const backends = (at(0).spec as { http: { backends: unknown[] }[] }).http[0]!.backends;
    expect(backends).toEqual([
      { serviceName: 'podinfo-primary', servicePort: 80, resolveGranularity: 'service', weight: 100 },
      { serviceName: 'podinfo-canary', servicePort: 80, resolveGranularity: 'service', weight: 0 },
    ]);
  });

  it('never changes the user route', () => {
    const before = structuredClone(userRoute);
    at(50);
    expect(userRoute).toEqual(before);
  });

  it("validates against APISIX's CRD schema, nothing pruned", () => {
    for (const w of [0, 1, 50, 100]) expect(crdProblems(at(w), APISIX_ROUTE_SCHEMA)).toEqual([]);
    expect(crdProblems(userRoute, APISIX_ROUTE_SCHEMA)).toEqual([]);
  });

  it('refuses a route it cannot take over, naming it', () => {
    expect(() =>
      renderApisixRoute(canary, { primaryWeight: 100, canaryWeight: 0, mirrored: false }, () => undefined),
    ).toThrow('ApisixRoute test/podinfo (spec.routeRef): not found');
    const noApex = { ...userRoute, spec: { http: [(userRoute.spec!.http as object[])[0]] } };
    expect(() => at(0, noApex)).toThrow('no HTTP route has the backend podinfo');
    const two = structuredClone(userRoute);
    (two.spec!.http as { backends: object[] }[])[1]!.backends.push({ serviceName: 'b', servicePort: 80 });
    expect(() => at(0, two)).toThrow(
      'HTTP route method has 2 backends; the apisix provider needs exactly one',
    );
    expect(() => at(0, { ...userRoute, spec: { http: [] } })).toThrow('spec.http is empty');
  });
});

describe('apisix: refusals name the field', () => {
  const errors = (spec: object) =>
    canaryCapabilities({ ...raw, spec: { ...raw.spec, ...spec } })
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.path}: ${i.message}`);

  it('a missing or foreign routeRef', () => {
    expect(errors({ routeRef: undefined })).toEqual([
      'spec.routeRef: the apisix provider needs the ApisixRoute to take over, got none',
    ]);
    expect(errors({ routeRef: { kind: 'Ingress', name: 'podinfo', namespace: 'other' } })).toEqual([
      'spec.routeRef.kind: expected ApisixRoute, got "Ingress"',
      "spec.routeRef.namespace: the ApisixRoute is read in the Canary's namespace (as Flagger does); remove the namespace",
    ]);
  });

  it('A/B matches, mirroring, session affinity and Istio-only service fields', () => {
    const analysis = { ...raw.spec.analysis };
    expect(
      errors({
        analysis: {
          interval: '1m',
          threshold: 5,
          iterations: 5,
          match: [{ headers: { 'x-canary': { exact: 'on' } } }],
        },
      }),
    ).toEqual(['spec.analysis.match: routing on request headers: the apisix provider cannot express it']);
    expect(errors({ analysis: { ...analysis, sessionAffinity: { cookieName: 'c' } } })).toEqual([
      'spec.analysis.sessionAffinity: session affinity: the apisix provider cannot express it',
    ]);
    expect(errors({ service: { port: 80, timeout: '5s' } })).toEqual([
      'spec.service.timeout: a request timeout: the apisix provider cannot express it',
    ]);
  });
});

describe('apisix: serin generate', () => {
  it('prints the canary route for a Canary beside its ApisixRoute, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-apisix-'));
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const corpus = readFileSync(
      join(import.meta.dirname, '../../../test/fixtures/flagger/apisix.yaml'),
      'utf8',
    );
    writeFileSync(join(dir, 'canary.yaml'), corpus);
    writeFileSync(
      join(dir, 'route.yaml'),
      stringify({ ...userRoute, metadata: { ...userRoute.metadata, namespace: 'shop' } }),
    );
    const r = await runCommand([generateCommand], ['generate', '-f', dir, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { items } = JSON.parse(r.stdout) as { items: KubeObject[] };
    const routes = items.filter((i) => i.kind === 'ApisixRoute');
    expect(routes.map((i) => i.metadata.name)).toEqual(['podinfo-podinfo-canary']);
    expect((routes[0]!.spec as { http: { backends: unknown[] }[] }).http[0]!.backends).toEqual([
      { serviceName: 'podinfo-primary', servicePort: 80, resolveGranularity: 'service', weight: 100 },
      { serviceName: 'podinfo-canary', servicePort: 80, resolveGranularity: 'service', weight: 0 },
    ]);
  });

  it('exits 1 naming the route when the ApisixRoute is not among the files', async () => {
    const file = join(import.meta.dirname, '../../../test/fixtures/flagger/apisix.yaml');
    const r = await runCommand([generateCommand], ['generate', '-f', file, '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ApisixRoute shop/podinfo (spec.routeRef): not found');
  });
});
