/**
 * The ScaledObject schema facts (keda-crd.ts) against two oracles: the validator
 * `@kubernetes-models/keda` generated from an older KEDA CRD, for the constraints that CRD already
 * had, and KEDA's current published CRD, which the same cases run against when `SERIN_KEDA_CRDS`
 * names it (the server then serves that file instead of the facts). Each case goes through the test
 * API server's admission (pruning, structural validation, CEL).
 */
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { kubeConfigFor, startTestApiServer, type TestApiServer } from './index.js';
import type { JsonObject } from './json.js';

let server: TestApiServer;
let client: KubeClient;

beforeAll(async () => {
  server = await startTestApiServer({ deployments: { enabled: false } });
  client = new KubeClient(kubeConfigFor(server));
});

afterAll(async () => {
  await server.stop();
});

const prometheusTrigger = {
  type: 'prometheus',
  name: 'rps',
  metadata: {
    serverAddress: 'http://prometheus:9090',
    query: 'sum(rate(http_requests_total[1m]))',
    threshold: '10',
  },
};

function scaledObject(name: string, spec: JsonObject): JsonObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: 'default' },
    spec,
  };
}

function modelAccepts(object: JsonObject): boolean {
  try {
    new ScaledObject(object as never).validate();
    return true;
  } catch {
    return false;
  }
}

async function serverAccepts(object: JsonObject): Promise<boolean> {
  try {
    await client.create(Resources.scaledObject, object as never);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code !== 422) throw error;
    return false;
  }
}

/** `model`: the pinned model knows the constraint; `published`: only KEDA's current CRD has it. */
type Oracle = 'model' | 'published';
const cases: [string, JsonObject, boolean, Oracle?][] = [
  [
    'a full ScaledObject',
    {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      pollingInterval: 30,
      cooldownPeriod: 300,
      minReplicaCount: 1,
      maxReplicaCount: 10,
      fallback: { failureThreshold: 3, replicas: 2 },
      advanced: {
        horizontalPodAutoscalerConfig: { name: 'podinfo-hpa' },
        restoreToOriginalReplicaCount: true,
      },
      triggers: [prometheusTrigger],
    },
    true,
  ],
  ['no triggers', { scaleTargetRef: { name: 'podinfo' } }, false],
  ['an empty trigger list', { scaleTargetRef: { name: 'podinfo' }, triggers: [] }, false, 'published'],
  ['no scaleTargetRef', { triggers: [prometheusTrigger] }, false],
  ['a trigger without a type', { scaleTargetRef: { name: 'podinfo' }, triggers: [{ metadata: {} }] }, false],
  [
    'a trigger metadata value that is not a string',
    {
      scaleTargetRef: { name: 'podinfo' },
      triggers: [{ type: 'cpu', metadata: { value: 50 } }],
    },
    false,
  ],
  [
    'maxReplicaCount 0',
    { scaleTargetRef: { name: 'podinfo' }, maxReplicaCount: 0, triggers: [prometheusTrigger] },
    false,
    'published',
  ],
  [
    'a fallback without replicas',
    {
      scaleTargetRef: { name: 'podinfo' },
      fallback: { failureThreshold: 3 },
      triggers: [prometheusTrigger],
    },
    false,
  ],
  [
    'an authenticationRef of an unknown kind',
    {
      scaleTargetRef: { name: 'podinfo' },
      triggers: [{ ...prometheusTrigger, authenticationRef: { name: 'auth', kind: 'Secret' } }],
    },
    false,
    'published',
  ],
];

describe('KEDA ScaledObject schema facts', () => {
  it.each(cases)('%s: the server agrees with KEDA', async (label, spec, valid, oracle = 'model') => {
    const object = scaledObject(label.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''), spec);
    if (oracle === 'model') expect(modelAccepts(object), 'model').toBe(valid);
    expect(await serverAccepts(object), 'test API server').toBe(valid);
  });

  it("refuses minReplicaCount above maxReplicaCount with KEDA's CEL rule", async () => {
    const object = scaledObject('inverted', {
      scaleTargetRef: { name: 'podinfo' },
      minReplicaCount: 5,
      maxReplicaCount: 2,
      triggers: [prometheusTrigger],
    });
    await expect(client.create(Resources.scaledObject, object as never)).rejects.toThrow(
      /minReplicaCount must be less than or equal to maxReplicaCount/,
    );
  });

  it('prunes fields KEDA does not declare, as a cluster with KEDA installed does', async () => {
    await client.create(
      Resources.scaledObject,
      scaledObject('pruned', {
        scaleTargetRef: { name: 'podinfo' },
        triggers: [prometheusTrigger],
        replicas: 3,
      }) as never,
    );
    const live = await client.get(Resources.scaledObject, 'default', 'pruned');
    expect(live?.spec).not.toHaveProperty('replicas');
    expect(live?.spec).toHaveProperty('triggers');
  });
});
