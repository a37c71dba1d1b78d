/**
 * The knative provider through the real controller on the test API server (whose Knative Serving
 * simulation creates a Revision per template and serves `status.traffic`, test/apiserver/
 * knative-simulator.ts): a Knative Service target promoted, then rolled back. The suite reads the
 * split as Knative serves it, from the Service's `status.traffic` by revision name (not through
 * Serin's reader), and checks the Service's annotation and `spec.traffic` at each step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { KNATIVE_REVISION, KNATIVE_SERVICE } from '../../src/routing/providers/knative.js';
import { startGate } from './provider-rollout.js';
import { deniedByShippedRoles, requestsMade } from './rbac-coverage.js';
import { recordObjects, startControllerSuite, waitFor, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-knative');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

const NAME = 'kn';
type Target = { revisionName?: string; latestRevision?: boolean; percent?: number };
const status = (o: KubeObject | undefined) =>
  (o?.status ?? {}) as { latestCreatedRevisionName?: string; traffic?: Target[] };
const specTraffic = (o: KubeObject | undefined) => (o?.spec as { traffic?: Target[] } | undefined)?.traffic;
const primaryAnnotation = (o: KubeObject | undefined) =>
  o?.metadata.annotations?.['flagger.app/primary-revision'];

/** The share Knative serves `revision`, summed over the targets that resolve to it. */
const servedTo = (o: KubeObject, revision: string): number | undefined => {
  const traffic = status(o).traffic;
  if (!traffic?.length) return undefined;
  return traffic.filter((t) => t.revisionName === revision).reduce((sum, t) => sum + (t.percent ?? 0), 0);
};

const fold = (values: (number | undefined)[]): number[] =>
  values.filter((v): v is number => v !== undefined).filter((v, i, all) => i === 0 || all[i - 1] !== v);

const live = () => suite.client.get(KNATIVE_SERVICE, suite.ns, NAME);

async function phase(): Promise<string | undefined> {
  const c = await suite.client.get(Resources.flaggerCanary, suite.ns, NAME);
  return (c?.status as { phase?: string } | undefined)?.phase;
}
const waitPhase = (wanted: string) =>
  waitFor(`${NAME} in phase ${wanted}`, async () => (await phase()) === wanted, 120_000);

function knativeService(image: string): KubeObject {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: NAME, namespace: suite.ns },
    spec: { template: { spec: { containers: [{ image, ports: [{ containerPort: 9898 }] }] } } },
  };
}

/** A new template, as `kubectl patch services.serving --type=json` does in Flagger's tutorial. */
async function setImage(image: string): Promise<void> {
  await suite.client.patch(
    KNATIVE_SERVICE,
    suite.ns,
    NAME,
    [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }],
    'json',
  );
}

/** Sets the image, waits for `phase`, and returns the shares Knative served the new revision. */
async function run(image: string, revision: string, wanted: string): Promise<number[]> {
  const recorder = recordObjects(suite.client, KNATIVE_SERVICE, suite.ns);
  await setImage(image);
  await waitFor(
    `${revision} created`,
    async () => status(await live()).latestCreatedRevisionName === revision,
  );
  await waitPhase(wanted);
  await waitFor('the split settled', async () => {
    const traffic = status(await live()).traffic ?? [];
    return traffic.every((t) => t.percent === 0 || t.percent === 100);
  });
  await recorder.stop();
  return fold(recorder.seen.filter((o) => o.metadata.name === NAME).map((o) => servedTo(o, revision)));
}

describe('provider knative', { timeout: 300_000 }, () => {
  it('shifts a Knative Service between revisions, promotes, and rolls back', async () => {
    const { client, ns } = suite;
    const gate = await startGate();
    try {
      await client.create(KNATIVE_SERVICE, knativeService(`example/${NAME}:1`));
      await waitFor(
        'the first revision',
        async () => status(await live()).latestCreatedRevisionName === 'kn-00001',
      );
      await client.create(Resources.flaggerCanary, {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name: NAME, namespace: ns },
        spec: {
          provider: 'knative',
          targetRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: NAME },
          analysis: {
            interval: '10s',
            threshold: 2,
            stepWeight: 25,
            maxWeight: 50,
            webhooks: [{ name: 'gate', type: 'rollout', url: gate.url }],
          },
        },
      });
      await waitPhase('Initialized');
      let service = await live();
      expect(primaryAnnotation(service)).toBe('kn-00001');
      expect(specTraffic(service)).toEqual([
        { latestRevision: true, percent: 0 },
        { revisionName: 'kn-00001', percent: 100 },
      ]);
      // The user's Service is never owned by the Canary: deleting the Canary must not delete it.
      expect(service?.metadata.ownerReferences ?? []).toEqual([]);
      expect(await client.get(Resources.service, ns, `${NAME}-primary`)).toBeUndefined();

      const promotion = await run(`example/${NAME}:2`, 'kn-00002', 'Succeeded');
      // The new revision's share as Knative served it: steps, then all of it once promoted.
      expect(promotion).toEqual([0, 25, 50, 100]);
      service = await live();
      expect(primaryAnnotation(service)).toBe('kn-00002');
      expect(servedTo(service!, 'kn-00002')).toBe(100);

      gate.fail(true);
      const rollback = await run(`example/${NAME}:3`, 'kn-00003', 'Failed');
      expect(rollback[0]).toBe(0);
      expect(rollback).toContain(25);
      expect(rollback.at(-1)).toBe(0);
      service = await live();
      expect(primaryAnnotation(service)).toBe('kn-00002');
      expect(servedTo(service!, 'kn-00002')).toBe(100);
      expect(await client.get(KNATIVE_REVISION, ns, 'kn-00003')).toBeDefined();
    } finally {
      gate.close();
    }
  });
});

describe('RBAC', () => {
  it.skipIf(process.env.KUBECONFIG)(
    "the shipped roles allow every request the controller made, with no create or delete on the user's Knative objects",
    () => {
      const server = suite.cluster.server;
      if (!server) throw new Error('no test API server');
      const made = requestsMade(server.requests, suite.controller.client.userAgent);
      for (const needed of ['serving.knative.dev/services:patch', 'serving.knative.dev/revisions:get'])
        expect(made).toContain(needed);
      expect(deniedByShippedRoles(made)).toEqual({ cluster: [], namespaced: [] });
    },
  );
});
