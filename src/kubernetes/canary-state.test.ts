/**
 * Serin's status on a flagger.app Canary, against the test API server with Flagger's published
 * CRD: the Canary keeps what Flagger's schema declares, the companion ConfigMap the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, startTestApiServer, type TestApiServer } from '../../test/apiserver/index.js';
import { flaggerCanarySchema } from '../../test/apiserver/flagger-crd.js';
import { CanaryDocument, type Canary, type CanaryStatus } from '../api/canary.js';
import { FLAGGER_STATUS_FIELDS, readCompanion, stateName, withCompleteStatus } from './canary-state.js';
import { KubeClient, type KubeObject } from './client.js';
import { Resources } from './resources.js';
import { KubernetesStatus } from './status.js';

let api: TestApiServer;
let client: KubeClient;
const NS = 'state';

const serinStatus: CanaryStatus = {
  phase: 'Progressing',
  canaryWeight: 30,
  failedChecks: 0,
  lastCommandId: 'cmd-1',
  waitingFor: 'confirm-promotion',
  notReadySince: { canary: '2026-12-01T10:00:00.000Z' },
  decisions: [
    { time: '2026-12-01T10:00:00.000Z', phase: 'Progressing', action: 'SetWeight', reason: 'by test' },
  ],
};

async function createCanary(name: string): Promise<Canary> {
  const created = await client.create(Resources.flaggerCanary, {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace: NS },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      service: { port: 9898 },
      analysis: { interval: '10s', threshold: 2, stepWeight: 10 },
    },
  });
  const parsed = CanaryDocument.parse(created);
  return { ...parsed, metadata: { ...created.metadata, ...parsed.metadata } };
}

beforeAll(async () => {
  api = await startTestApiServer();
  client = new KubeClient(kubeConfigFor({ url: api.url }));
  await client.create(Resources.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

afterAll(async () => {
  await api.stop();
});

describe('state of flagger.app Canaries', () => {
  it("lists exactly the status fields Flagger's CRD declares", () => {
    const { status } = flaggerCanarySchema().properties as { status: { properties: object } };
    expect([...FLAGGER_STATUS_FIELDS].sort()).toEqual(Object.keys(status.properties).sort());
  });

  it("without the companion, Flagger's CRD loses Serin's fields (what a real server does)", async () => {
    const canary = await createCanary('plain');
    const live = await client.get(Resources.flaggerCanary, NS, 'plain');
    await client.replace(Resources.flaggerCanary, { ...live!, status: serinStatus }, 'status');
    const read = await client.get(Resources.flaggerCanary, NS, canary.metadata.name);
    expect(read?.status).toEqual({ phase: 'Progressing', canaryWeight: 30, failedChecks: 0 });
  });

  it('keeps the complete status in the companion and Flagger’s fields on the Canary', async () => {
    const canary = await createCanary('web');
    await new KubernetesStatus(client).write(canary, serinStatus);
    const live = (await client.get(Resources.flaggerCanary, NS, 'web'))!;
    const onCanary = Object.keys(live.status as object);
    expect(onCanary.every((f) => (FLAGGER_STATUS_FIELDS as readonly string[]).includes(f))).toBe(true);
    expect(live.status).toMatchObject({ phase: 'Progressing', canaryWeight: 30 });
    const companion = (await client.get(Resources.configMap, NS, stateName('web')))!;
    expect(companion.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Canary',
      uid: canary.metadata.uid,
    });
    const complete = (await withCompleteStatus(client, Resources.flaggerCanary, live)).status as CanaryStatus;
    expect(complete).toMatchObject(serinStatus);
    expect(complete.conditions?.map((c) => c.type)).toContain('Ready');
  });

  it('keeps the state of a Canary whose name is as long as the API server allows', async () => {
    const name = `${'a'.repeat(120)}.${'b'.repeat(132)}`;
    expect(name).toHaveLength(253);
    const canary = await createCanary(name);
    await new KubernetesStatus(client).write(canary, serinStatus);
    const companion = await client.get(Resources.configMap, NS, stateName(name));
    expect(stateName(name).length).toBeLessThanOrEqual(253);
    expect(stateName(name)).not.toBe(stateName(`${name.slice(0, -1)}c`));
    expect(companion?.metadata.ownerReferences?.[0]?.uid).toBe(canary.metadata.uid);
    const live = (await client.get(Resources.flaggerCanary, NS, name))!;
    const complete = (await withCompleteStatus(client, Resources.flaggerCanary, live)).status as CanaryStatus;
    expect(complete).toMatchObject(serinStatus);
  });

  it('repairs a Canary status left behind by a crash between the two writes', async () => {
    const live = (await client.get(Resources.flaggerCanary, NS, 'web'))!;
    await client.replace(Resources.flaggerCanary, { ...live, status: { phase: 'Initialized' } }, 'status');
    const stale = (await client.get(Resources.flaggerCanary, NS, 'web'))!;
    const complete = await withCompleteStatus(client, Resources.flaggerCanary, stale);
    expect((complete.status as CanaryStatus).lastCommandId).toBe('cmd-1');
    const repaired = await client.get(Resources.flaggerCanary, NS, 'web');
    expect((repaired?.status as CanaryStatus).phase).toBe('Progressing');
  });

  it('ignores a companion left by an earlier Canary of the same name', async () => {
    const live = (await client.get(Resources.flaggerCanary, NS, 'web'))!;
    const other: KubeObject = { ...live, metadata: { ...live.metadata, uid: 'another-uid' } };
    expect(await readCompanion(client, other)).toBeUndefined();
  });

  it('leaves serin.dev Canaries alone: their CRD keeps everything', async () => {
    const raw: KubeObject = {
      apiVersion: 'serin.dev/v1beta1',
      kind: 'Canary',
      metadata: { name: 'x', namespace: NS },
      status: serinStatus,
    };
    expect(await withCompleteStatus(client, Resources.serinCanary, raw)).toBe(raw);
  });
});
