import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  APPMESH_VIRTUAL_NODE_SCHEMA,
  APPMESH_VIRTUAL_ROUTER_SCHEMA,
  APPMESH_VIRTUAL_SERVICE_SCHEMA,
} from '../../../test/apiserver/appmesh-crd.js';
import type { JsonObject } from '../../../test/apiserver/json.js';
import { crdProblems } from '../../../test/support/crd-conformance.js';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { describeProviderContract, lookupOf } from '../../../test/support/routing-provider-contract.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { CanaryDocument } from '../../api/canary.js';
import { generateCommand } from '../../cli/definitions/generate.js';
import { providerNamed } from './registry.js';
import { renderServices, type KubeObject } from '../render/kubernetes.js';
import { appMeshProvider, renderAppMesh } from './appmesh-v1beta2.js';

type Json = Record<string, unknown>;

function rawCanary(spec: Json = {}, analysis?: Json, annotations?: Record<string, string>): Json {
  const { service, ...rest } = spec;
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: {
      name: 'podinfo',
      namespace: 'test',
      uid: '1f0c5a52-0000-4000-8000-0000000000ab',
      ...(annotations ? { annotations } : {}),
    },
    spec: {
      provider: 'appmesh:v1beta2',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898, ...(service as Json | undefined) },
      analysis: analysis ?? { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
      ...rest,
    },
  };
}

const parse = (raw: Json) => CanaryDocument.parse(raw);
/** The target's pods carry `app.kubernetes.io/name: web`, not the target's name. */
const target = {
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } },
};
const servicesOf = (raw: Json) => renderServices(parse(raw), target);

describeProviderContract(appMeshProvider, () => {
  const raw = rawCanary({
    service: { timeout: '15s', retries: { attempts: 3, perTryTimeout: '5s', retryOn: 'gateway-error' } },
  });
  return { canary: parse(raw), raw, inputs: servicesOf(raw) };
});

const at = (canaryWeight: number) => ({ primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false });
const render = (raw: Json, w = 0, live: KubeObject[] = servicesOf(raw)) =>
  renderAppMesh(parse(raw), at(w), lookupOf(live));
const find = (objects: KubeObject[], kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};
const spec = (o: KubeObject) => o.spec as Json & { routes?: Json[] };

describe('appmesh:v1beta2: the objects Flagger writes', () => {
  const tutorial = rawCanary(
    {
      service: {
        port: 80,
        targetPort: 9898,
        timeout: '15s',
        retries: { attempts: 3, perTryTimeout: '5s', retryOn: 'gateway-error,client-error,stream-error' },
        backends: ['backend1', 'arn:aws:appmesh:eu-west-1:12345678910:mesh/my-mesh/virtualService/backend2'],
        apex: { labels: { team: 'shop' }, annotations: { 'example.com/owner': 'shop' } },
      },
    },
    undefined,
    { 'appmesh.flagger.app/accesslog': 'enabled' },
  );

  it('nodes, then routers, then virtual services, each under its Flagger name', () => {
    expect(render(tutorial).map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toEqual([
      'appmesh.k8s.aws/v1beta2 VirtualNode podinfo-primary',
      'appmesh.k8s.aws/v1beta2 VirtualNode podinfo-canary',
      'appmesh.k8s.aws/v1beta2 VirtualRouter podinfo',
      'appmesh.k8s.aws/v1beta2 VirtualRouter podinfo-canary',
      'appmesh.k8s.aws/v1beta2 VirtualService podinfo',
      'appmesh.k8s.aws/v1beta2 VirtualService podinfo-canary',
    ]);
  });

  it('a node listens on the container port, finds its Service by DNS and selects the pods that Service selects', () => {
    const objects = render(tutorial);
    const primary = find(objects, 'VirtualNode', 'podinfo-primary');
    expect(primary.spec).toEqual({
      listeners: [
        {
          portMapping: { port: 9898, protocol: 'http' },
          timeout: { http: { perRequest: { unit: 'ms', value: 15_000 } } },
        },
      ],
      serviceDiscovery: { dns: { hostname: 'podinfo-primary.test.svc.cluster.local.' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web-primary' } },
      backends: [
        { virtualService: { virtualServiceRef: { name: 'backend1' } } },
        {
          virtualService: {
            virtualServiceARN: 'arn:aws:appmesh:eu-west-1:12345678910:mesh/my-mesh/virtualService/backend2',
          },
        },
      ],
      logging: { accessLog: { file: { path: '/dev/stdout' } } },
    });
    const canary = find(objects, 'VirtualNode', 'podinfo-canary');
    expect(spec(canary).podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'web' } });
    expect(spec(canary).serviceDiscovery).toEqual({
      dns: { hostname: 'podinfo-canary.test.svc.cluster.local.' },
    });
    expect(primary.metadata).toMatchObject({
      namespace: 'test',
      labels: { team: 'shop' },
      annotations: {
        'example.com/owner': 'shop',
        'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
        'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
      },
      ownerReferences: [expect.objectContaining({ kind: 'Canary', name: 'podinfo', controller: true })],
    });
  });

  it('without the Services at hand (offline), a node selects by app: <target>, as Flagger does', () => {
    const objects = render(rawCanary(), 0, []);
    expect(spec(find(objects, 'VirtualNode', 'podinfo-primary')).podSelector).toEqual({
      matchLabels: { app: 'podinfo-primary' },
    });
  });

  it('the apex router splits by weight with the timeout and retry policy; the canary router sends all to the canary', () => {
    const objects = render(tutorial, 30);
    const route = {
      match: { prefix: '/' },
      retryPolicy: {
        maxRetries: 3,
        perRetryTimeout: { unit: 'ms', value: 5000 },
        httpRetryEvents: ['gateway-error', 'client-error', 'stream-error'],
      },
      timeout: { perRequest: { unit: 'ms', value: 15_000 } },
    };
    expect(find(objects, 'VirtualRouter', 'podinfo').spec).toEqual({
      listeners: [{ portMapping: { port: 9898, protocol: 'http' } }],
      routes: [
        {
          name: 'podinfo',
          httpRoute: {
            ...route,
            action: {
              weightedTargets: [
                { virtualNodeRef: { name: 'podinfo-canary' }, weight: 30 },
                { virtualNodeRef: { name: 'podinfo-primary' }, weight: 70 },
              ],
            },
          },
        },
      ],
    });
    expect(spec(find(objects, 'VirtualRouter', 'podinfo-canary')).routes).toEqual([
      {
        name: 'podinfo-canary',
        httpRoute: {
          ...route,
          action: {
            weightedTargets: [
              { virtualNodeRef: { name: 'podinfo-canary' }, weight: 100 },
              { virtualNodeRef: { name: 'podinfo-primary' }, weight: 0 },
            ],
          },
        },
      },
    ]);
  });

  it("retries default to Flagger's: one, 250ms per try, on gateway errors; the prefix is match[0].uri.prefix", () => {
    const objects = render(rawCanary({ service: { retries: {}, match: [{ uri: { prefix: '/api' } }] } }));
    const httpRoute = spec(find(objects, 'VirtualRouter', 'podinfo')).routes?.[0]?.httpRoute as Json;
    expect(httpRoute.retryPolicy).toEqual({
      maxRetries: 1,
      perRetryTimeout: { unit: 'ms', value: 250 },
      httpRetryEvents: ['gateway-error'],
    });
    expect(httpRoute.match).toEqual({ prefix: '/api' });
    expect(httpRoute.timeout).toBeUndefined();
  });

  it('each virtual service is provided by the router of its name; the apex one carries the gateway annotations for hosts', () => {
    const objects = render(
      rawCanary({
        service: {
          hosts: ['podinfo.example.com', 'www.example.com'],
          timeout: '35s',
          retries: { attempts: 3 },
        },
      }),
    );
    const apex = find(objects, 'VirtualService', 'podinfo');
    expect(apex.spec).toEqual({ provider: { virtualRouter: { virtualRouterRef: { name: 'podinfo' } } } });
    expect(apex.metadata.annotations).toMatchObject({
      'gateway.appmesh.k8s.aws/expose': 'true',
      'gateway.appmesh.k8s.aws/domain': 'podinfo.example.com,www.example.com',
      'gateway.appmesh.k8s.aws/timeout': '35s',
      'gateway.appmesh.k8s.aws/retries': '3',
    });
    const canary = find(objects, 'VirtualService', 'podinfo-canary');
    expect(canary.spec).toEqual({
      provider: { virtualRouter: { virtualRouterRef: { name: 'podinfo-canary' } } },
    });
    expect(Object.keys(canary.metadata.annotations ?? {}).some((k) => k.startsWith('gateway.'))).toBe(false);
  });

  it("keeps the awsName and meshRef App Mesh's webhook set, which an update may not change", () => {
    const first = render(rawCanary());
    const meshRef = { name: 'global', uid: '0b1f7f8e-0000-4000-8000-000000000001' };
    const live = first.map((o) => ({
      ...o,
      spec: { ...o.spec, awsName: `${o.metadata.name}_test`, meshRef },
    }));
    const next = renderAppMesh(parse(rawCanary()), at(40), lookupOf([...live, ...servicesOf(rawCanary())]));
    for (const o of next) expect(o.spec).toMatchObject({ awsName: `${o.metadata.name}_test`, meshRef });
    for (const o of first) {
      expect(o.spec).not.toHaveProperty('awsName');
      expect(o.spec).not.toHaveProperty('meshRef');
    }
  });

  it('refuses an invalid split instead of writing it', () => {
    expect(() =>
      renderAppMesh(parse(rawCanary()), { primaryWeight: 60, canaryWeight: 60, mirrored: false }),
    ).toThrow(/primaryWeight \+ canaryWeight = 100/);
  });
});

describe('appmesh:v1beta2: A/B on headers', () => {
  const ab = rawCanary(
    {},
    {
      interval: '1m',
      threshold: 5,
      iterations: 10,
      match: [
        { headers: { 'x-canary': { exact: 'insider' } } },
        { headers: { cookie: { regex: '^(.*?;)?(canary=insider)(;.*)?$' }, 'x-tier': { prefix: 'gold' } } },
        { headers: { 'user-agent': { suffix: 'Firefox' } } },
      ],
    },
  );

  it('one header route per match entry carries the split; -b keeps everyone else on the primary', () => {
    const routes = spec(find(render(ab, 100), 'VirtualRouter', 'podinfo')).routes ?? [];
    const split = {
      weightedTargets: [
        { virtualNodeRef: { name: 'podinfo-canary' }, weight: 100 },
        { virtualNodeRef: { name: 'podinfo-primary' }, weight: 0 },
      ],
    };
    expect(routes).toEqual([
      {
        name: 'podinfo-a',
        priority: 10,
        httpRoute: {
          match: { prefix: '/', headers: [{ name: 'x-canary', match: { exact: 'insider' } }] },
          action: split,
        },
      },
      {
        name: 'podinfo-a2',
        priority: 11,
        httpRoute: {
          match: {
            prefix: '/',
            headers: [
              { name: 'cookie', match: { regex: '^(.*?;)?(canary=insider)(;.*)?$' } },
              { name: 'x-tier', match: { prefix: 'gold' } },
            ],
          },
          action: split,
        },
      },
      {
        name: 'podinfo-a3',
        priority: 12,
        httpRoute: {
          match: { prefix: '/', headers: [{ name: 'user-agent', match: { suffix: 'Firefox' } }] },
          action: split,
        },
      },
      {
        name: 'podinfo-b',
        priority: 20,
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: [{ virtualNodeRef: { name: 'podinfo-primary' }, weight: 100 }] },
        },
      },
    ]);
    expect(appMeshProvider.read(parse(ab), lookupOf(render(ab, 100)))).toEqual(at(100));
    expect(appMeshProvider.read(parse(ab), lookupOf(render(ab, 0)))).toEqual(at(0));
  });

  it('the canary router has no header routes: <svc>-canary always reaches the canary', () => {
    const routes = spec(find(render(ab, 0), 'VirtualRouter', 'podinfo-canary')).routes ?? [];
    expect(routes.map((r) => r.name)).toEqual(['podinfo-canary']);
  });
});

describe("appmesh:v1beta2: every object validates against App Mesh's CRD schema, nothing pruned", () => {
  const SCHEMAS: Record<string, JsonObject> = {
    VirtualNode: APPMESH_VIRTUAL_NODE_SCHEMA,
    VirtualRouter: APPMESH_VIRTUAL_ROUTER_SCHEMA,
    VirtualService: APPMESH_VIRTUAL_SERVICE_SCHEMA,
  };
  const full = rawCanary(
    {
      service: {
        timeout: '15s',
        retries: { attempts: 3, perTryTimeout: '5s', retryOn: 'gateway-error,client-error' },
        backends: ['backend1', 'arn:aws:appmesh:eu-west-1:1:mesh/m/virtualService/b'],
        hosts: ['podinfo.example.com'],
      },
    },
    {
      interval: '1m',
      threshold: 5,
      iterations: 10,
      match: [{ headers: { 'x-canary': { exact: 'insider' }, 'user-agent': { suffix: 'Firefox' } } }],
    },
    { 'appmesh.flagger.app/accesslog': 'enabled' },
  );

  it.each([0, 1, 50, 100])('at %i%%, weighted and A/B', (w) => {
    for (const raw of [rawCanary(), full])
      for (const o of render(raw, w))
        expect(crdProblems(o, SCHEMAS[o.kind]!), `${o.kind} ${o.metadata.name}`).toEqual([]);
  });

  it('the schema facts are not permissive: a weight over 100, a nameless route, an unknown field', () => {
    const router = find(render(rawCanary(), 10), 'VirtualRouter', 'podinfo');
    type Routes = { httpRoute: { action: { weightedTargets: Json[] } } }[];
    const heavy = structuredClone(router);
    (spec(heavy).routes as Routes)[0]!.httpRoute.action.weightedTargets[0]!.weight = 101;
    expect(crdProblems(heavy, APPMESH_VIRTUAL_ROUTER_SCHEMA).join()).toMatch(/weight/);
    const nameless = structuredClone(router);
    delete (spec(nameless).routes as Json[])[0]!.name;
    expect(crdProblems(nameless, APPMESH_VIRTUAL_ROUTER_SCHEMA).join()).toMatch(/name/);
    const extra = { ...router, spec: { ...router.spec, weights: { canary: 10 } } };
    expect(crdProblems(extra, APPMESH_VIRTUAL_ROUTER_SCHEMA)).toContain(
      'fields the CRD does not declare are pruned',
    );
  });
});

describe('appmesh:v1beta2: what the App Mesh objects cannot carry is refused, naming the field', () => {
  const issues = (raw: Json) => canaryCapabilities(raw).map((i) => `${i.severity} ${i.path}: ${i.message}`);
  const errors = (raw: Json) => issues(raw).filter((i) => i.startsWith('error'));

  it('mirroring, session affinity and matches on anything but headers', () => {
    const base = { interval: '1m', threshold: 5, iterations: 5 };
    expect(errors(rawCanary({}, { ...base, mirror: true }))).toEqual([
      'error spec.analysis.mirror: mirroring traffic to the canary: the appmesh-v1beta2 provider cannot express it',
    ]);
    expect(errors(rawCanary({}, { ...base, sessionAffinity: { cookieName: 'flagger-cookie' } }))).toEqual([
      'error spec.analysis.sessionAffinity: session affinity: the appmesh-v1beta2 provider cannot express it',
    ]);
    expect(errors(rawCanary({}, { ...base, match: [{ uri: { prefix: '/beta' } }] }))).toEqual([
      'error spec.analysis.match[0].uri: matching a canary route on anything but headers: the appmesh-v1beta2 provider cannot express it',
    ]);
  });

  it("header names and values beyond App Mesh's limits", () => {
    const base = { interval: '1m', threshold: 5, iterations: 5 };
    expect(
      errors(rawCanary({}, { ...base, match: [{ headers: { ['x'.repeat(51)]: { exact: 'a' } } }] })),
    ).toEqual([
      `error spec.analysis.match[0].headers.${'x'.repeat(51)}: App Mesh header names are at most 50 characters`,
    ]);
    expect(errors(rawCanary({}, { ...base, match: [{ headers: { 'x-a': { exact: '' } } }] }))).toEqual([
      'error spec.analysis.match[0].headers.x-a.exact: App Mesh matches 1 to 255 characters',
    ]);
  });

  it("retry events App Mesh lacks, Istio's retry extras, rewrites, extra matches, gRPC ports and Istio-only fields", () => {
    expect(
      errors(
        rawCanary({
          service: {
            retries: { attempts: 2, retryOn: '5xx,gateway-error', retryRemoteLocalities: true },
            rewrite: { uri: '/v2' },
            match: [{ uri: { prefix: '/' } }, { uri: { prefix: '/api' } }],
            portName: 'grpc-web',
            corsPolicy: { allowOrigins: [{ exact: 'https://example.com' }] },
          },
        }),
      ),
    ).toEqual([
      'error spec.service.corsPolicy: a CORS policy: the appmesh-v1beta2 provider cannot express it',
      'error spec.service.match: a service match other than one uri.prefix: the appmesh-v1beta2 provider cannot express it',
      'error spec.service.rewrite: a URI or authority rewrite: the appmesh-v1beta2 provider cannot express it',
      'error spec.service.retries.retryOn: retrying on "5xx" (App Mesh retries on server-error, gateway-error, client-error, stream-error): the appmesh-v1beta2 provider cannot express it',
      'error spec.service.retries.retryRemoteLocalities: retries.retryRemoteLocalities: the appmesh-v1beta2 provider cannot express it',
      'error spec.service.portName: a gRPC port (Serin writes App Mesh HTTP routes only): the appmesh-v1beta2 provider cannot express it',
    ]);
  });

  it("the tutorial's rewrite of / to /, meshName and gateways are warnings: nothing is lost", () => {
    const found = issues(
      rawCanary({
        service: {
          match: [{ uri: { prefix: '/' } }],
          rewrite: { uri: '/' },
          meshName: 'global',
          gateways: ['public-gateway'],
        },
      }),
    );
    expect(found.filter((i) => i.startsWith('error'))).toEqual([]);
    expect(found.map((i) => i.split(':')[0])).toEqual([
      'warning spec.service.rewrite',
      'warning spec.service.meshName',
      'warning spec.service.gateways',
    ]);
  });

  it("Flagger's plain appmesh (the v1beta1 router) is refused, pointing at appmesh:v1beta2", () => {
    const raw = rawCanary({ provider: 'appmesh' });
    expect(errors(raw)).toEqual([
      "error spec.provider: provider appmesh is not supported by Serin: it is Flagger's App Mesh v1beta1 router (appmesh.k8s.aws/v1beta1, App Mesh controller before 1.0); for the v1beta2 API set spec.provider: appmesh:v1beta2",
    ]);
    expect(providerNamed('appmesh')).toBeUndefined();
    expect(providerNamed('appmesh:v1beta2')).toBe(appMeshProvider);
  });
});

describe('appmesh:v1beta2: serin generate', () => {
  it('keeps the awsName and meshRef of the App Mesh objects given beside the Canary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-appmesh-'));
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const live = join(dir, 'live.yaml');
    writeFileSync(
      live,
      'apiVersion: appmesh.k8s.aws/v1beta2\nkind: VirtualService\nmetadata: {name: podinfo, namespace: shop}\n' +
        'spec: {awsName: podinfo.shop.svc.cluster.local, meshRef: {name: global, uid: 7c0d}, ' +
        'provider: {virtualRouter: {virtualRouterRef: {name: podinfo}}}}\n',
    );
    const file = join(import.meta.dirname, '../../../test/fixtures/flagger/appmesh-v1beta2.yaml');
    const r = await runCommand([generateCommand], ['generate', '-f', file, '-f', live, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const { items } = JSON.parse(r.stdout) as { items: KubeObject[] };
    expect(spec(find(items, 'VirtualService', 'podinfo'))).toEqual({
      awsName: 'podinfo.shop.svc.cluster.local',
      meshRef: { name: 'global', uid: '7c0d' },
      provider: { virtualRouter: { virtualRouterRef: { name: 'podinfo' } } },
    });
    expect(spec(find(items, 'VirtualService', 'podinfo-canary'))).not.toHaveProperty('awsName');
  });

  it("prints the App Mesh objects for Flagger's appmesh:v1beta2 Canary, exit 0", async () => {
    const file = join(import.meta.dirname, '../../../test/fixtures/flagger/appmesh-v1beta2.yaml');
    const r = await runCommand([generateCommand], ['generate', '-f', file, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { items } = JSON.parse(r.stdout) as { items: KubeObject[] };
    const mesh = items.filter((i) => i.apiVersion === 'appmesh.k8s.aws/v1beta2');
    expect(mesh.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'VirtualNode podinfo-primary',
      'VirtualNode podinfo-canary',
      'VirtualRouter podinfo',
      'VirtualRouter podinfo-canary',
      'VirtualService podinfo',
      'VirtualService podinfo-canary',
    ]);
    expect(spec(find(mesh, 'VirtualNode', 'podinfo-primary'))).toMatchObject({
      backends: [{ virtualService: { virtualServiceRef: { name: 'backend.test' } } }],
      podSelector: { matchLabels: { app: 'podinfo-primary' } },
    });
    expect(items.some((i) => i.apiVersion.startsWith('networking.istio.io'))).toBe(false);
  });
});
