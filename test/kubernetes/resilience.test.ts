/**
 * End to end: what production does to a controller. Killed mid-rollout (SIGKILL, a new process
 * resumes from status), the API server down for a while and answering 500s and conflicts, and
 * two controllers with leader election (the standby takes over when the leader dies).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { fastLeaderElection, spawnController, type ControllerProcess } from './process.js';
import {
  canary,
  createNamespace,
  deployment,
  getCanary,
  recordObjects,
  setImage,
  startController,
  useCluster,
  waitFor,
  waitForPhase,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
const processes: ControllerProcess[] = [];
const runtimes: ControllerRuntime[] = [];

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
}, 60_000);

afterAll(async () => {
  for (const p of processes) await p.kill();
  for (const r of runtimes) await r.stop();
  await cluster.stop();
});

const weightOf = async (ns: string, name: string) =>
  (await getCanary(client, ns, name)).status?.canaryWeight as number | undefined;

describe('controller killed mid-rollout', { timeout: 180_000 }, () => {
  it('a new controller process resumes the rollout from status, without starting over', async () => {
    const ns = await createNamespace(client, 'restart');
    const first = spawnController(cluster.kubeconfigPath, ['--namespace', ns]);
    processes.push(first);
    await client.create(Resources.deployment, deployment(ns, 'app'));
    await client.create(
      Resources.serinCanary,
      canary(ns, 'app', {}, { stepWeight: 10, maxWeight: 50, interval: '1s' }),
    );
    await waitForPhase(client, ns, 'app', 'Initialized', 60_000);
    const recorder = recordObjects(client, Resources.serinCanary, ns);
    await setImage(client, ns, 'app', 'example/app:2');
    await waitFor('weight 20', async () => ((await weightOf(ns, 'app')) ?? 0) >= 20, 60_000);
    await first.kill('SIGKILL');
    const atKill = (await weightOf(ns, 'app')) ?? 0;
    const second = spawnController(cluster.kubeconfigPath, ['--namespace', ns]);
    processes.push(second);
    await waitForPhase(client, ns, 'app', 'Succeeded', 90_000);
    await recorder.stop();
    const weights = recorder.seen
      .filter((o) => (o.status as { phase?: string } | undefined)?.phase === 'Progressing')
      .map((o) => (o.status as { canaryWeight?: number }).canaryWeight ?? 0);
    const afterKill = weights.slice(weights.lastIndexOf(atKill));
    // Resumed: no step back to a lower weight once the new process took over.
    expect(afterKill.every((w, i) => i === 0 || w >= (afterKill[i - 1] ?? 0))).toBe(true);
    const done = await getCanary(client, ns, 'app');
    expect(((done.status?.decisions ?? []) as { action: string }[]).map((d) => d.action)).not.toContain(
      'Restart',
    );
    await second.kill('SIGTERM');
  });
});

describe('API server trouble', { timeout: 180_000 }, () => {
  it('rides out an outage, 500s and write conflicts, and keeps watching afterwards', async (ctx) => {
    if (!cluster.server) {
      ctx.skip(); // needs fault injection: only the test API server can go down on demand
      return;
    }
    const server = cluster.server;
    const ns = await createNamespace(client, 'outage');
    const controller = await startController(cluster, { namespace: ns });
    runtimes.push(controller);
    await client.create(Resources.deployment, deployment(ns, 'svc'));
    await client.create(
      Resources.serinCanary,
      canary(ns, 'svc', {}, { stepWeight: 20, maxWeight: 60, interval: '1s' }),
    );
    await waitForPhase(client, ns, 'svc', 'Initialized');
    await setImage(client, ns, 'svc', 'example/svc:2');
    await waitForPhase(client, ns, 'svc', 'Progressing');
    await server.goDown();
    await new Promise((r) => setTimeout(r, 3000));
    await server.comeUp();
    server.faults.failNext(3, { method: 'PATCH' });
    server.faults.conflictNext(2, { path: '/status' });
    await waitForPhase(client, ns, 'svc', 'Succeeded', 60_000);
    // The watch came back: a Canary created after the outage is picked up.
    await client.create(Resources.deployment, deployment(ns, 'late'));
    await client.create(Resources.serinCanary, canary(ns, 'late'));
    await waitForPhase(client, ns, 'late', 'Initialized');
    // A watch that expired (410 Gone) is relisted.
    server.expireHistory();
    server.dropWatches();
    await client.create(Resources.deployment, deployment(ns, 'later'));
    await client.create(Resources.serinCanary, canary(ns, 'later'));
    await waitForPhase(client, ns, 'later', 'Initialized');
  });
});

describe('leader election', { timeout: 180_000 }, () => {
  it('one of two controllers leads; when it dies the standby takes over and finishes the rollout', async () => {
    const ns = await createNamespace(client, 'ha');
    const electionArgs = fastLeaderElection(ns);
    const a = spawnController(cluster.kubeconfigPath, electionArgs);
    const b = spawnController(cluster.kubeconfigPath, electionArgs);
    processes.push(a, b);
    const lease = () =>
      client.get<KubeObject & { spec?: { holderIdentity?: string; renewTime?: string } }>(
        Resources.lease,
        ns,
        'serin-controller-leader',
      );
    const holder = await waitFor(
      'a leader',
      async () => (await lease())?.spec?.holderIdentity || undefined,
      60_000,
    );
    expect((await lease())?.spec?.renewTime).toMatch(/\.\d{6}Z$/);
    await client.create(Resources.deployment, deployment(ns, 'web'));
    await client.create(
      Resources.serinCanary,
      canary(ns, 'web', {}, { stepWeight: 10, maxWeight: 50, interval: '1s' }),
    );
    await waitForPhase(client, ns, 'web', 'Initialized', 60_000);
    await setImage(client, ns, 'web', 'example/web:2');
    await waitFor('weight 10', async () => ((await weightOf(ns, 'web')) ?? 0) >= 10, 60_000);
    const leader = holder.endsWith(`-${a.pid}`) ? a : b;
    const standby = leader === a ? b : a;
    expect(holder.endsWith(`-${leader.pid}`)).toBe(true);
    await leader.kill('SIGKILL');
    const next = await waitFor(
      'a new leader',
      async () => {
        const h = (await lease())?.spec?.holderIdentity;
        return h !== undefined && h !== '' && h !== holder ? h : undefined;
      },
      30_000,
    );
    expect(next.endsWith(`-${standby.pid}`)).toBe(true);
    await waitForPhase(client, ns, 'web', 'Succeeded', 90_000);
    await standby.kill('SIGTERM');
  });
});
