/**
 * Every Flagger docs and e2e Canary that `serin generate` renders (flagger-docs-corpus.test.ts
 * holds which, and why the others are refused) runs through the real controller on one test API
 * server (or KUBECONFIG's cluster): each in a namespace of its own, with the target the tutorial
 * deploys beside it (podinfo as a Deployment or DaemonSet, its HPA or KEDA ScaledObject), the
 * user's objects of its `.inputs.yaml`, and a controller whose `--provider` is the Canary's
 * `-mesh-provider`. A Knative Canary's target is a Knative Service, given to `generate` once the
 * server's Knative simulation created its revision. The Canary must reach `Initialized` with every object `generate` prints for it
 * live on the server, which validates each against its CRD's schema (Gateway API, Istio, KEDA,
 * Traefik from the published models; Contour, Gloo, APISIX, Kuma, SMI, App Mesh from the schema facts in
 * test/apiserver) as it is written. A Canary `generate` refuses must name the field.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { Resources, resourceTypeOf, type ResourceType } from '../../src/kubernetes/resources.js';
import type { RoutingProviderId } from '../../src/routing/providers/ids.js';
import {
  isKnativeTarget,
  KNATIVE_API_VERSION,
  KNATIVE_SERVICE,
  latestCreatedRevisionOf,
} from '../../src/routing/providers/knative.js';
import { ROUTING_PROVIDERS } from '../../src/routing/providers/registry.js';
import { generateCommand } from '../../src/cli/definitions/generate.js';
import { runCommand } from '../support/in-process-cli.js';
import {
  startController,
  TEST_USER_AGENT,
  useCluster,
  waitFor,
  type Cluster,
} from '../kubernetes/support.js';
import { corpusFixtures, generateArgs, type CorpusFixture } from './flagger-docs-corpus.js';

type Json = Record<string, unknown>;

let cluster: Cluster;
let client: KubeClient;

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  client.userAgent = TEST_USER_AGENT;
}, 60_000);
afterAll(async () => {
  await cluster.stop();
});

/** Every kind a provider writes or reads, and the built-in ones. */
const KINDS: readonly ResourceType[] = [
  ...Object.values(Resources),
  ...ROUTING_PROVIDERS.flatMap((p) => p.resources),
];

function resourceOf(object: KubeObject): ResourceType {
  const type = resourceTypeOf(object, KINDS);
  if (type === undefined) throw new Error(`no resource type for ${object.apiVersion} ${object.kind}`);
  return type;
}

function documents(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Json);
}

/** The corpus uses `test` and the like; each Canary gets a namespace of its own, as do its inputs there. */
function moved(object: Json, from: string, to: string): KubeObject {
  const metadata = (object.metadata ?? {}) as Json;
  const namespace = metadata.namespace === undefined || metadata.namespace === from ? to : metadata.namespace;
  return { ...object, metadata: { ...metadata, namespace } } as KubeObject;
}

async function ensureNamespace(name: string): Promise<void> {
  if (await client.get(Resources.namespace, '', name)) return;
  try {
    await client.create(Resources.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (error) {
    // Another Canary's inputs created it meanwhile.
    if (!(await client.get(Resources.namespace, '', name))) throw error;
  }
}

/** podinfo as Flagger's Knative tutorial deploys it: a Knative Service serving port 9898. */
function knativeTarget(namespace: string, name: string): KubeObject {
  return {
    apiVersion: KNATIVE_API_VERSION,
    kind: 'Service',
    metadata: { name, namespace },
    spec: {
      template: {
        spec: {
          containers: [{ image: 'ghcr.io/stefanprodan/podinfo:6.0.0', ports: [{ containerPort: 9898 }] }],
        },
      },
    },
  };
}

/** podinfo as Flagger's tutorials deploy it: the `http` port 9898, `grpc` 9999, `http-metrics` 9797. */
function target(kind: string, namespace: string, name: string): KubeObject {
  const pod = {
    metadata: { labels: { app: name } },
    spec: {
      containers: [
        {
          name: 'podinfod',
          image: 'ghcr.io/stefanprodan/podinfo:6.0.0',
          ports: [
            { name: 'http', containerPort: 9898 },
            { name: 'http-metrics', containerPort: 9797 },
            { name: 'grpc', containerPort: 9999 },
          ],
        },
      ],
    },
  };
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      ...(kind === 'Deployment' ? { replicas: 2 } : {}),
      selector: { matchLabels: { app: name } },
      template: pod,
    },
  };
}

/** The autoscaler the Canary's `autoscalerRef` names, scaling the target as the tutorial's does. */
function autoscaler(ref: Json, namespace: string, targetName: string): KubeObject {
  const name = String(ref.name);
  if (ref.kind === 'HorizontalPodAutoscaler')
    return {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: targetName },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 99 } },
          },
        ],
      },
    };
  if (ref.kind === 'ScaledObject')
    return {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name, namespace },
      spec: {
        scaleTargetRef: { name: targetName },
        minReplicaCount: 1,
        maxReplicaCount: 3,
        triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }],
      },
    };
  throw new Error(`autoscalerRef kind ${String(ref.kind)} is not one the corpus deploys`);
}

/** `generate -o json` for the Canary and the objects beside it, as they are created here. */
async function rendered(
  canary: KubeObject,
  given: KubeObject[],
  fixture: CorpusFixture,
): Promise<KubeObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'serin-corpus-'));
  try {
    writeFileSync(join(dir, 'canary.yaml'), stringify(canary));
    const args = ['generate', '-o', 'json', '-f', join(dir, 'canary.yaml')];
    writeFileSync(join(dir, 'given.yaml'), given.map((o) => stringify(o)).join('---\n'));
    args.push('-f', join(dir, 'given.yaml'));
    if (fixture.meshFlag !== undefined) args.push('--provider', fixture.meshFlag);
    const result = await runCommand([generateCommand], args);
    if (result.code !== 0) throw new Error(`generate exited ${String(result.code)}: ${result.stderr}`);
    return (JSON.parse(result.stdout) as { items: KubeObject[] }).items;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Knative Service once Knative (the test API server's simulation) created its first revision. */
async function withRevision(ns: string, name: string): Promise<KubeObject> {
  let service: KubeObject | undefined;
  await waitFor(`${ns}/${name}'s first revision`, async () => {
    service = await client.get(KNATIVE_SERVICE, ns, name);
    return latestCreatedRevisionOf(service) !== undefined;
  });
  if (service === undefined) throw new Error(`${ns}/${name} is gone`);
  return service;
}

/** The user's Knative Service carries the split: what generate printed is what the controller applied. */
async function expectSplitAsPrinted(
  expected: readonly KubeObject[],
  ns: string,
  name: string,
): Promise<void> {
  const printed = expected.find((o) => o.apiVersion === KNATIVE_API_VERSION);
  const service = await client.get(KNATIVE_SERVICE, ns, name);
  expect(service?.metadata.annotations).toMatchObject(printed?.metadata.annotations ?? { printed: 'none' });
  expect((service?.spec as Json | undefined)?.traffic).toEqual((printed?.spec as Json | undefined)?.traffic);
}

let sequence = 0;

async function run(fixture: CorpusFixture): Promise<void> {
  const [canary] = documents(fixture.file);
  if (canary === undefined) throw new Error(`${fixture.file}: no Canary`);
  const original = (canary.metadata as { namespace?: string } | undefined)?.namespace ?? 'default';
  sequence += 1;
  const ns = `corpus-${String(sequence)}-${Math.random().toString(36).slice(2, 7)}`;
  await ensureNamespace(ns);
  const live = moved(canary, original, ns);
  const inputs =
    fixture.inputs === undefined ? [] : documents(fixture.inputs.file).map((o) => moved(o, original, ns));
  const spec = live.spec as Json;
  const targetRef = spec.targetRef as Json;
  const knative = isKnativeTarget(targetRef);
  const given = [
    ...inputs,
    knative
      ? knativeTarget(ns, String(targetRef.name))
      : target(String(targetRef.kind), ns, String(targetRef.name)),
    ...(spec.autoscalerRef !== undefined
      ? [autoscaler(spec.autoscalerRef as Json, ns, String(targetRef.name))]
      : []),
  ];
  for (const object of given) {
    await ensureNamespace(object.metadata.namespace ?? ns);
    await client.create(resourceOf(object), object);
  }
  // A Knative Service's split names its revisions: generate is given the Service as Knative's
  // controller (the test API server's simulation) left it, with its first revision.
  if (knative) given.splice(given.length - 1, 1, await withRevision(ns, String(targetRef.name)));
  // With the target and its autoscaler beside the Canary, generate prints their primaries too.
  const expected = await rendered(live, given, fixture);

  const controller = await startController(cluster, {
    namespace: ns,
    ...(fixture.meshFlag !== undefined ? { provider: fixture.meshFlag as RoutingProviderId } : {}),
  });
  try {
    await client.create(Resources.flaggerCanary, live);
    const name = live.metadata.name;
    await waitFor(
      `${fixture.name} (${ns}/${name}) Initialized`,
      async () => {
        const c = await client.get(Resources.flaggerCanary, ns, name);
        return (c?.status as { phase?: string } | undefined)?.phase === 'Initialized';
      },
      240_000,
    );
    const missing: string[] = [];
    for (const object of expected) {
      const type = resourceOf(object);
      const found = await client.get(
        type,
        type.namespaced ? (object.metadata.namespace ?? ns) : '',
        object.metadata.name,
      );
      if (found === undefined) missing.push(`${object.kind} ${object.metadata.name}`);
    }
    expect(missing, `objects generate prints that the controller did not create`).toEqual([]);
    if (knative) await expectSplitAsPrinted(expected, ns, String(targetRef.name));
    const kinds = expected.map((o) => o.kind);
    expect(kinds).toContain('Service');
    expect(kinds).toContain(String(targetRef.kind));
  } finally {
    await controller.stop();
  }
}

const all = corpusFixtures();
/** Whether `generate` renders the fixture (as the user would run it, inputs beside the Canary). */
const verdicts = await Promise.all(
  all.map(async (fixture) => {
    const result = await runCommand([generateCommand], generateArgs(fixture));
    return { fixture, result };
  }),
);
/** Knative Canaries render once their Service has a revision, which a fixture cannot carry. */
const needsLiveTarget = (fixture: CorpusFixture): boolean => {
  const [canary] = documents(fixture.file);
  return isKnativeTarget((canary?.spec as Json | undefined)?.targetRef ?? {});
};
const runnable = verdicts
  .filter((v) => v.result.code === 0 || needsLiveTarget(v.fixture))
  .map((v) => v.fixture);
const refused = verdicts.filter((v) => v.result.code !== 0 && !needsLiveTarget(v.fixture));

describe(`Flagger's docs and e2e Canaries through the controller: ${String(runnable.length)} of ${String(all.length)} run`, () => {
  it.each(refused.map((v) => ({ name: v.fixture.name, stderr: v.result.stderr })))(
    '$name is refused naming the field',
    ({ stderr }) => {
      expect(stderr).toMatch(/^\S+:\d+: spec\.\S+: |^error: spec\.\S+:/m);
    },
  );

  it.concurrent.each(runnable)(
    '$name ($provider) reaches Initialized with its objects',
    { timeout: 300_000 },
    (fixture) => run(fixture),
  );
});
