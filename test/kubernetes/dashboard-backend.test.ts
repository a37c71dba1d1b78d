/**
 * The cluster dashboard backend against a real API server (the in-process test server, or the
 * cluster KUBECONFIG names): Canaries with status, the watch behind subscribe, actions written as
 * the annotation the controller reads, and the real dashboard HTTP server on top.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionAction } from '../../src/engine/decisions.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kubernetes/client.js';
import { COMMAND_ANNOTATION, decodeCommand } from '../../src/kubernetes/commands.js';
import {
  createKubernetesDashboardBackend,
  type KubernetesDashboardBackend,
} from '../../src/kubernetes/dashboard-backend.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { createDashboardServer } from '../../src/dashboard/server.js';
import { canary, createNamespace, getCanary, useCluster, waitFor, type Cluster } from './support.js';
import { ConfigMapGateStore } from '../../src/kubernetes/gate-store.js';

const STATUS = {
  phase: 'Progressing',
  canaryWeight: 20,
  lastAppliedSpec: 'rev-abc',
  checks: [
    {
      name: 'request-success-rate',
      kind: 'metric',
      verdict: 'pass',
      value: 99.5,
      time: '2026-01-01T00:01:00Z',
    },
    { name: 'request-duration', kind: 'metric', verdict: 'pass', value: 120, time: '2026-01-01T00:01:00Z' },
    { name: 'load-test', kind: 'webhook', verdict: 'pass', message: 'ok', time: '2026-01-01T00:01:00Z' },
  ],
  decisions: [
    {
      time: '2026-01-01T00:00:30Z',
      phase: 'Progressing',
      action: DecisionAction.Advance,
      reason: 'started',
      canaryWeight: 10,
    },
    {
      time: '2026-01-01T00:01:30Z',
      phase: 'Progressing',
      action: DecisionAction.Advance,
      reason: 'checks pass',
      canaryWeight: 20,
    },
  ],
};

const uiDir = mkdtempSync(join(tmpdir(), 'serin-dashboard-k8s-ui-'));
mkdirSync(join(uiDir, 'assets'));
writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Serin</title>');

let cluster: Cluster;
let client: KubeClient;
let namespace: string;
let backend: KubernetesDashboardBackend;

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  namespace = await createNamespace(client, 'dash');
  const object = canary(
    namespace,
    'web',
    {},
    {
      webhooks: [{ name: 'load-test', type: 'rollout', url: 'http://127.0.0.1:1/' }],
    },
  );
  await client.create(Resources.serinCanary, object);
  await client.patch(Resources.serinCanary, namespace, 'web', { status: STATUS }, 'merge', 'status');
  backend = createKubernetesDashboardBackend(cluster.kubeConfig, { namespace });
  await backend.ready();
}, 60_000);

afterAll(async () => {
  await backend.close();
  await cluster.stop();
  rmSync(uiDir, { recursive: true, force: true });
});

describe('Kubernetes dashboard backend', () => {
  it('lists and details Canaries from their status', async () => {
    const items = await waitFor('the canary with status', async () => {
      const list = await backend.list();
      return list[0]?.phase === 'Progressing' ? list : undefined;
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      namespace,
      name: 'web',
      phase: 'Progressing',
      canaryWeight: 20,
      primaryWeight: 80,
      revision: 'rev-abc',
      strategy: 'canary',
      lastDecision: { reason: 'checks pass', canaryWeight: 20 },
    });
    const detail = await backend.get(namespace, 'web');
    expect(detail?.checks.map((c) => c.name)).toEqual([
      'request-success-rate',
      'request-duration',
      'load-test',
    ]);
    expect(detail?.decisions).toHaveLength(2);
    expect(detail?.webhooks).toHaveLength(1);
    expect(detail?.webhooks[0]).toMatchObject({ name: 'load-test', lastResult: { ok: true, message: 'ok' } });
    expect(await backend.get(namespace, 'absent')).toBeUndefined();
  });

  it("shows the Canary's Kubernetes events and its routing objects as YAML", async () => {
    const stored = await getCanary(client, namespace, 'web');
    const involved = {
      apiVersion: 'serin.dev/v1beta1',
      kind: 'Canary',
      name: 'web',
      namespace,
      uid: stored.metadata.uid,
    };
    await client.create(Resources.event, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace },
      involvedObject: involved,
      type: 'Warning',
      reason: 'Halted',
      message: 'success rate below 99',
      lastTimestamp: '2026-01-01T00:02:00Z',
    } as never);
    await client.create(Resources.event, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'other.1', namespace },
      involvedObject: { ...involved, name: 'other' },
      reason: 'Elsewhere',
      message: 'not this canary',
    } as never);
    await client.create(Resources.virtualService, {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'web', namespace },
      spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web-primary' }, weight: 100 }] }] },
    } as never);
    const detail = await backend.get(namespace, 'web');
    expect(detail?.events).toEqual([
      { time: '2026-01-01T00:02:00Z', type: 'Warning', reason: 'Halted', message: 'success rate below 99' },
    ]);
    expect(detail?.routing.map((r) => [r.kind, r.name])).toEqual([['VirtualService', 'web']]);
    expect(detail?.routing[0]?.yaml).toContain('host: web-primary');
  });

  it('builds history from the status checks and decisions', async () => {
    const history = await backend.history(namespace, 'web');
    const fromStatus = history.filter((p) => p.time.startsWith('2026-01-01'));
    expect(fromStatus.map((p) => [p.time, p.canaryWeight])).toEqual([
      ['2026-01-01T00:00:30Z', 10],
      ['2026-01-01T00:01:00Z', 10],
      ['2026-01-01T00:01:30Z', 20],
    ]);
    expect(fromStatus[1]?.canary).toEqual({ successRate: 99.5, latencyMs: 120 });
  });

  it('tells subscribers about a status update and records it live', async () => {
    const changes: string[] = [];
    const unsubscribe = backend.subscribe((change) => changes.push(`${change.namespace}/${change.name}`));
    await client.patch(
      Resources.serinCanary,
      namespace,
      'web',
      { status: { canaryWeight: 40 } },
      'merge',
      'status',
    );
    await waitFor('a change notification', () => Promise.resolve(changes.includes(`${namespace}/web`)));
    unsubscribe();
    const history = await backend.history(namespace, 'web');
    expect(history.at(-1)?.canaryWeight).toBe(40);
    expect((await backend.list())[0]?.canaryWeight).toBe(40);
  });

  it('files abort as the command annotation the controller reads', async () => {
    const result = await backend.act(namespace, 'web', { type: 'abort' }, 'alice');
    expect(result.accepted).toBe(true);
    const stored = await getCanary(client, namespace, 'web');
    const command = decodeCommand(stored.metadata.annotations?.[COMMAND_ANNOTATION]);
    expect(command?.action).toEqual({ type: 'abort' });
    expect(command?.by).toBe('alice');
    expect(result.message).toContain(command?.id);
    expect((await backend.act(namespace, 'absent', { type: 'abort' }, 'alice')).accepted).toBe(false);
  });

  it("opens and closes a webhook's gate in the ConfigMap the controller's gate API reads", async () => {
    const store = new ConfigMapGateStore(client);
    expect(await store.isOpen('gate', namespace, 'web')).toBe(false);
    const opened = await backend.act(
      namespace,
      'web',
      { type: 'gate', gate: 'load-test', open: true },
      'alice',
    );
    expect(opened).toEqual({ accepted: true, message: `gate opened for ${namespace}/web` });
    expect(await store.isOpen('gate', namespace, 'web')).toBe(true);
    expect((await store.list()).find((g) => g.name === 'web')?.by).toBe('alice');
    await backend.act(namespace, 'web', { type: 'gate', gate: 'load-test', open: false }, 'bob');
    expect(await store.isOpen('gate', namespace, 'web')).toBe(false);
    expect(await backend.act(namespace, 'web', { type: 'gate', gate: 'nope', open: true }, 'alice')).toEqual({
      accepted: false,
      message: `no webhook named nope on ${namespace}/web`,
    });
  });

  it('serves the dashboard API over HTTP with this backend', async () => {
    const token = 'dashboard-test-token';
    const server = await createDashboardServer({ backend, uiDir, token, tokenName: 'ci' });
    try {
      const list = await fetch(`${server.url}/api/canaries`);
      expect(list.status).toBe(200);
      const body = (await list.json()) as { items: { name: string; namespace: string }[] };
      expect(body.items.map((c) => `${c.namespace}/${c.name}`)).toEqual([`${namespace}/web`]);
      const posted = await fetch(`${server.url}/api/canaries/${namespace}/web/actions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ action: { type: 'set-weight', weight: 30 } }),
      });
      expect(posted.status).toBeLessThan(300);
      const stored = await getCanary(client, namespace, 'web');
      const command = decodeCommand(stored.metadata.annotations?.[COMMAND_ANNOTATION]);
      expect(command?.action).toEqual({ type: 'set-weight', weight: 30 });
      expect(command?.by).toBe('ci');
    } finally {
      await server.close();
    }
  });
});
