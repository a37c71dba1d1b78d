/**
 * Loading CRDs the way users install them: `kubectl apply -f crd.yaml` (client-side and
 * `--server-side`) on a server that has none, then using the kinds they define. The files are built
 * from our own descriptions in Flagger's YAML shape (multi-version with served/storage, printer
 * columns, subresources, list-type markers). Published files are applied as well when named:
 * FLAGGER_CRD (Flagger's artifacts/flagger/crd.yaml), ISTIO_CRDS, GATEWAY_API_CRDS, KEDA_CRDS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { stockFlaggerAlertProviderCrd, stockFlaggerCanaryCrd } from './flagger-crd.js';
import { startTestApiServer, writeKubeconfig, type TestApiServer } from './index.js';
import type { JsonObject } from './json.js';
import { routingCrds } from './standard-crds.js';
import { kubectl } from './testing.js';

let server: TestApiServer;
let kubeconfig: string;
const directory = mkdtempSync(join(tmpdir(), 'serin-crd-files-'));

beforeAll(async () => {
  server = await startTestApiServer({
    standardCrds: false,
    crdDirectories: [],
    deployments: { enabled: false },
  });
  kubeconfig = writeKubeconfig(server);
});

afterAll(async () => {
  await server.stop();
  rmSync(dirname(kubeconfig), { recursive: true, force: true });
  rmSync(directory, { recursive: true, force: true });
});

async function ok(args: string[], stdin = ''): Promise<string> {
  const result = await kubectl(kubeconfig, args, stdin);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function yamlFile(name: string, documents: JsonObject[]): string {
  const path = join(directory, name);
  writeFileSync(path, documents.map((document) => stringify(document)).join('---\n'));
  return path;
}

/** A CRD in the shape Flagger, Istio and KEDA publish: several versions, one stored, one no longer served. */
function widgetCrd(): JsonObject {
  const schema = (extra: JsonObject = {}): JsonObject => ({
    openAPIV3Schema: {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            replicas: { type: 'integer' },
            size: { type: 'string', enum: ['small', 'large'], default: 'small' },
            targets: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              items: {
                type: 'object',
                required: ['name'],
                properties: { name: { type: 'string' }, weight: { type: 'integer' } },
              },
            },
            tags: { type: 'array', items: { type: 'string' } },
            ...extra,
          },
        },
        status: {
          type: 'object',
          properties: { replicas: { type: 'integer' }, selector: { type: 'string' } },
        },
      },
    },
  });
  const columns = [
    { name: 'Size', type: 'string', jsonPath: '.spec.size' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
  const subresources = {
    status: {},
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com', annotations: { 'helm.sh/resource-policy': 'keep' } },
    spec: {
      group: 'example.com',
      names: {
        kind: 'Widget',
        listKind: 'WidgetList',
        plural: 'widgets',
        singular: 'widget',
        shortNames: ['wg'],
      },
      scope: 'Namespaced',
      versions: [
        { name: 'v1alpha1', served: false, storage: false, schema: schema() },
        {
          name: 'v1beta1',
          served: true,
          storage: false,
          deprecated: true,
          deprecationWarning: 'example.com/v1beta1 Widget is deprecated',
          schema: schema(),
          subresources,
          additionalPrinterColumns: columns,
        },
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: schema(),
          subresources,
          additionalPrinterColumns: columns,
        },
      ],
    },
  };
}

const widget = (name: string, spec: JsonObject, version = 'v1'): string =>
  stringify({
    apiVersion: `example.com/${version}`,
    kind: 'Widget',
    metadata: { name, namespace: 'default' },
    spec,
  });

describe('CRDs applied with kubectl', () => {
  it("applies Flagger's Canary CRD file (client-side, then server-side) and serves Canaries with Flagger's columns", async () => {
    const file = yamlFile('flagger-crd.yaml', [stockFlaggerCanaryCrd()]);
    expect(await ok(['apply', '-f', file])).toContain('canaries.flagger.app created');
    expect(await ok(['apply', '--server-side', '-f', file])).toContain('serverside-applied');
    await ok(
      ['apply', '-f', '-'],
      stringify({
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name: 'podinfo', namespace: 'default' },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
          service: { port: 9898 },
          analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
        },
      }),
    );
    const table = await ok(['get', 'canaries.flagger.app']);
    expect(table).toMatch(/^NAME\s+STATUS\s+WEIGHT/);
    expect(table).toContain('podinfo');
  });

  it("applies Flagger's AlertProvider CRD and holds AlertProviders to its oneOf: an address or a secretRef", async () => {
    const file = yamlFile('flagger-alertprovider-crd.yaml', [stockFlaggerAlertProviderCrd()]);
    expect(await ok(['apply', '-f', file])).toContain('alertproviders.flagger.app created');
    const provider = (spec: JsonObject) =>
      stringify({
        apiVersion: 'flagger.app/v1beta1',
        kind: 'AlertProvider',
        metadata: { name: 'on-call', namespace: 'default' },
        spec,
      });
    await ok(
      ['apply', '-f', '-'],
      provider({ type: 'slack', channel: 'on-call', secretRef: { name: 'on-call-url' } }),
    );
    expect(await ok(['get', 'alertproviders.flagger.app'])).toMatch(/^NAME\s+TYPE/);
    const neither = await kubectl(
      kubeconfig,
      ['apply', '-f', '-'],
      provider({ type: 'slack', channel: 'x' }),
    );
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toMatch(/spec/);
    const unknownType = await kubectl(
      kubeconfig,
      ['apply', '-f', '-'],
      provider({ type: 'pagerduty', address: 'https://example.com/hook' }),
    );
    expect(unknownType.code).not.toBe(0);
    expect(unknownType.stderr).toContain('spec.type');
  });

  it('applies a multi-version CRD: served versions answer, the unserved one does not, objects convert between served versions', async () => {
    const file = yamlFile('widget-crd.yaml', [widgetCrd()]);
    expect(await ok(['apply', '-f', file])).toContain('widgets.example.com created');
    await ok(['apply', '--server-side', '-f', file]);
    await ok(
      ['apply', '-f', '-'],
      widget('w1', { replicas: 2, targets: [{ name: 'a', weight: 1 }] }, 'v1beta1'),
    );
    const asV1 = JSON.parse(await ok(['get', 'widgets.v1.example.com', 'w1', '-o', 'json'])) as JsonObject;
    expect(asV1).toMatchObject({ apiVersion: 'example.com/v1', spec: { replicas: 2, size: 'small' } });
    const unserved = await kubectl(kubeconfig, ['get', 'widgets.v1alpha1.example.com']);
    expect(unserved.code).not.toBe(0);
    expect(await ok(['get', 'wg'])).toMatch(/^NAME\s+SIZE\s+AGE\nw1\s+small/);
    expect(await ok(['scale', 'widget/w1', '--replicas', '3'])).toContain('scaled');
  });

  it('merges a list by the keys its schema declares (x-kubernetes-list-type: map) across appliers', async () => {
    await ok(
      ['apply', '--server-side', '--field-manager', 'one', '-f', '-'],
      widget('w2', { targets: [{ name: 'a', weight: 1 }] }),
    );
    await ok(
      ['apply', '--server-side', '--field-manager', 'two', '-f', '-'],
      widget('w2', { targets: [{ name: 'b', weight: 2 }] }),
    );
    const live = JSON.parse(await ok(['get', 'widget', 'w2', '-o', 'json'])) as {
      spec: { targets: unknown[] };
    };
    expect(live.spec.targets).toEqual([
      { name: 'a', weight: 1 },
      { name: 'b', weight: 2 },
    ]);
  });

  it('treats a list without a list-type marker as atomic: a second applier conflicts', async () => {
    await ok(['apply', '--server-side', '--field-manager', 'one', '-f', '-'], widget('w3', { tags: ['x'] }));
    const second = await kubectl(
      kubeconfig,
      ['apply', '--server-side', '--field-manager', 'two', '-f', '-'],
      widget('w3', { tags: ['y'] }),
    );
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('conflict with "one"');
    expect(second.stderr).toContain('.spec.tags');
  });

  it("applies the routing CRDs (Istio's and Gateway API's kinds) from a file in their published shape", async () => {
    const file = yamlFile('routing-crds.yaml', routingCrds());
    const out = await ok(['apply', '--server-side', '-f', file]);
    expect(out).toContain('virtualservices.networking.istio.io serverside-applied');
    expect(out).toContain('httproutes.gateway.networking.k8s.io serverside-applied');
    expect(await ok(['api-resources', '--api-group', 'networking.istio.io', '-o', 'name'])).toContain(
      'virtualservices.networking.istio.io',
    );
  });

  for (const variable of ['FLAGGER_CRD', 'ISTIO_CRDS', 'GATEWAY_API_CRDS', 'KEDA_CRDS']) {
    const path = process.env[variable];
    it.skipIf(path === undefined || path === '')(`applies the published file ${variable} names`, async () => {
      await ok(['apply', '--server-side', '--force-conflicts', '-f', path ?? '']);
      const crds = await ok(['get', 'crd', '-o', 'name']);
      expect(crds.trim().split('\n').length).toBeGreaterThan(0);
    });
  }
});
