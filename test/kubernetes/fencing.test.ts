/**
 * Split brain: the leader is frozen (SIGSTOP, here by the test fail point, in the middle of a
 * tick: its intent persisted, its traffic change not yet made) past its lease; the standby takes
 * over and finishes the rollout; then the old leader is resumed. None of its writes may land:
 * the test API server's request log is counted by User-Agent, which names each process.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARMED_VALUE } from '../../src/engine/testing/fail-points.js';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { fastLeaderElection, spawnController, type ControllerProcess } from './process.js';
import {
  canary,
  createNamespace,
  deployment,
  getCanary,
  useCluster,
  waitFor,
  waitForPhase,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
const processes: ControllerProcess[] = [];

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
}, 60_000);

afterAll(async () => {
  for (const p of processes) {
    try {
      process.kill(p.pid, 'SIGCONT');
    } catch {
      // gone
    }
    await p.kill();
  }
  await cluster.stop();
});

const electionArgs = (ns: string) => fastLeaderElection(ns);

type Lease = KubeObject & { spec?: { holderIdentity?: string } };

describe('a leader frozen past its lease', { timeout: 240_000 }, () => {
  it('never writes after the standby took over', async (ctx) => {
    const server = cluster.server;
    if (!server) {
      ctx.skip(); // counting each process's requests needs the test API server's log
      return;
    }
    const ns = await createNamespace(client, 'fence');
    await client.create(Resources.deployment, deployment(ns, 'web'));
    await client.create(
      Resources.serinCanary,
      canary(ns, 'web', {}, { stepWeight: 10, maxWeight: 50, interval: '1s' }),
    );
    // The leader freezes itself just before the traffic change of its second step.
    const leader = spawnController(cluster.kubeconfigPath, electionArgs(ns), {
      SERIN_TEST_FAIL_POINTS: ARMED_VALUE,
      SERIN_TEST_FAIL_POINT: 'Progressing/before routes/2:stop',
    });
    processes.push(leader);
    const leaderIdentity = `${hostname()}-${leader.pid}`;
    const lease = () => client.get<Lease>(Resources.lease, ns, 'serin-controller-leader');
    await waitFor(
      'the first controller to lead',
      async () => (await lease())?.spec?.holderIdentity === leaderIdentity,
      60_000,
    );
    const standby = spawnController(cluster.kubeconfigPath, electionArgs(ns));
    processes.push(standby);
    const standbyIdentity = `${hostname()}-${standby.pid}`;
    await waitForPhase(client, ns, 'web', 'Initialized', 60_000);
    await client.patch(
      Resources.deployment,
      ns,
      'web',
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'example/web:2' }] } } } },
      'strategic',
    );
    await waitFor(
      'the leader to freeze with its second step persisted but not applied',
      async () => {
        const status = (await getCanary(client, ns, 'web')).status as
          { intent?: { effects: { kind: string }[] } } | undefined;
        return status?.intent?.effects.some((e) => e.kind === 'routes') === true;
      },
      90_000,
    );
    await waitFor(
      'the standby to take over',
      async () => (await lease())?.spec?.holderIdentity === standbyIdentity,
      60_000,
    );
    const takeover = Date.now();
    await waitFor(
      'the standby to finish the rollout',
      async () => {
        const status = (await getCanary(client, ns, 'web')).status as
          { phase?: string; intent?: unknown } | undefined;
        return status?.phase === 'Succeeded' && status.intent === undefined;
      },
      120_000,
    );
    const virtualService = async () =>
      (await client.get(Resources.virtualService, ns, 'web'))?.spec as
        { http?: { route?: { weight?: number; destination?: { host?: string } }[] }[] } | undefined;
    const settled = JSON.stringify(await virtualService());
    const settledStatus = (await getCanary(client, ns, 'web')).status;

    process.kill(leader.pid, 'SIGCONT');
    await waitFor(
      'the old leader to step down',
      () => Promise.resolve(/lost the leader lease/.test(leader.output())),
      60_000,
    );
    const agentOf = (identity: string) => `serin-controller (${identity})`;
    const writesAfterTakeover = server.requests.filter(
      (r) => r.userAgent === agentOf(leaderIdentity) && r.method !== 'GET' && r.time >= takeover,
    );
    expect(writesAfterTakeover.map((r) => `${r.method} ${r.path} → ${r.status}`)).toEqual([]);
    // It did resume its frozen tick, and was refused before its write left the process.
    expect(leader.output()).toMatch(/no longer holds the leader lease/);
    // It did write while it led, and the standby wrote after it: the counts are not vacuous.
    expect(server.requests.some((r) => r.userAgent === agentOf(leaderIdentity) && r.method !== 'GET')).toBe(
      true,
    );
    expect(server.requests.some((r) => r.userAgent === agentOf(standbyIdentity) && r.method !== 'GET')).toBe(
      true,
    );
    expect(JSON.stringify(await virtualService())).toBe(settled);
    expect((await getCanary(client, ns, 'web')).status).toEqual(settledStatus);
  });
});
