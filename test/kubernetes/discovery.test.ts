/**
 * A Canary CRD installed after the controller started is found (issue 17: the controller stayed
 * blind to flagger.app Canaries while /readyz answered 200), and one removed is unwatched cleanly.
 * The CRD is applied with the real kubectl, as a Flagger user installs it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources, type ResourceType } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { flaggerCanaryCrd } from '../apiserver/standard-crds.js';
import { kubectl } from '../apiserver/testing.js';
import {
  canary,
  createNamespace,
  deployment,
  startController,
  useCluster,
  waitFor,
  type Cluster,
} from './support.js';

const crdType: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};
const FLAGGER_CRD = 'canaries.flagger.app';

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;
let ns: string;

async function readyz(): Promise<{ status: number; body: string }> {
  const response = await fetch(`${controller.metricsUrl ?? ''}/readyz`);
  return { status: response.status, body: await response.text() };
}

async function watchedGauge(group: string): Promise<number | undefined> {
  const metric = await controller.metrics.watchedGroup.get();
  return metric.values.find((v) => v.labels.group === group)?.value;
}

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'late-crd');
}, 60_000);

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
});

// Removing and re-adding a cluster-wide CRD would disturb other users of a real cluster.
describe.skipIf(process.env.KUBECONFIG)(
  'a Canary CRD applied after the controller started',
  { timeout: 150_000 },
  () => {
    it('is watched once it appears: /readyz and the metrics say so, and its Canaries are reconciled', async () => {
      await client.delete(crdType, '', FLAGGER_CRD);
      await waitFor(
        'the Flagger CRD gone',
        async () => (await client.get(crdType, '', FLAGGER_CRD)) === undefined,
      );
      controller = await startController(cluster, { namespace: ns, metricsAddr: '127.0.0.1:0' });
      const before = await readyz();
      expect(before.status).toBe(200);
      expect(before.body).toContain('watching: serin.dev');
      expect(before.body).toContain('not installed (looked for again): flagger.app');
      expect(await watchedGauge('flagger.app')).toBe(0);

      const dir = mkdtempSync(join(tmpdir(), 'serin-crd-'));
      onTestFinished(() => {
        rmSync(dir, { recursive: true, force: true });
      });
      const file = join(dir, 'crd.yaml');
      writeFileSync(file, stringify(flaggerCanaryCrd()));
      const applied = await kubectl(cluster.kubeconfigPath, ['apply', '-f', file]);
      expect(applied.stderr).toBe('');
      await client.create(Resources.deployment, deployment(ns, 'late'));
      await client.create(Resources.flaggerCanary, {
        ...canary(ns, 'late'),
        apiVersion: 'flagger.app/v1beta1',
      });
      // Bounded: discovery backs off from 1 s to at most 30 s, so this comes well inside a minute.
      await waitFor(
        'the flagger.app Canary Initialized',
        async () => {
          const live = await client.get(Resources.flaggerCanary, ns, 'late');
          return (live?.status as { phase?: string } | undefined)?.phase === 'Initialized';
        },
        90_000,
      );
      const after = await readyz();
      expect(after.status).toBe(200);
      expect(after.body).toMatch(/watching: .*flagger\.app/);
      expect(after.body).not.toContain('not installed');
      await waitFor('the gauge at 1', async () => (await watchedGauge('flagger.app')) === 1);
    });

    it('is unwatched cleanly when it goes: its Canaries stop, the group is looked for again', async () => {
      expect(controller.controller.canaryCount).toBe(1);
      await client.delete(crdType, '', FLAGGER_CRD);
      await waitFor('flagger.app unwatched', async () => (await watchedGauge('flagger.app')) === 0, 60_000);
      await waitFor('its Canary forgotten', () => Promise.resolve(controller.controller.canaryCount === 0));
      const report = await readyz();
      expect(report.status).toBe(200);
      expect(report.body).toContain('not installed (looked for again): flagger.app');
    });
  },
);
