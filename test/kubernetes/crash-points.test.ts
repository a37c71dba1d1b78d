/**
 * Crash points on a cluster: the real `serin controller` SIGKILLs itself (test fail point) at an
 * effect boundary of a promotion or a rollback; another controller process finishes the rollout,
 * either started afterwards or already running as a standby that takes over mid-promotion. After
 * each trial: phase, VirtualService and primary agree with the status, each decision has one
 * Event, and a real receiver heard each decision's hooks exactly once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARMED_VALUE } from '../../src/engine/testing/fail-points.js';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { fastLeaderElection, spawnController, type ControllerProcess } from './process.js';
import {
  canary,
  createNamespace,
  deployment,
  getCanary,
  setImage,
  useCluster,
  waitFor,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
let receiver: Server;
let receiverUrl = '';
const heard = new Map<string, string[]>();
const processes: ControllerProcess[] = [];

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const [, trial = '', what = ''] = (req.url ?? '').split('/');
      if (what === 'check') {
        res.writeHead(500).end('acceptance test failed');
        return;
      }
      const body = JSON.parse(text || '{}') as { decisionId?: string };
      heard.set(trial, [...(heard.get(trial) ?? []), `${what} ${body.decisionId ?? '?'}`]);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  for (const p of processes) await p.kill();
  receiver.close();
  await cluster.stop();
});

const election = (ns: string) => fastLeaderElection(ns);

interface Trial {
  point: string;
  failing: boolean;
  standby: boolean;
}

const trials: Trial[] = [
  { point: 'Progressing/before routes/1', failing: false, standby: false },
  { point: 'Promoting/before promote/1', failing: false, standby: true },
  { point: 'Promoting/before hook notify/1', failing: false, standby: true },
  { point: 'Finalising/before routes/1', failing: false, standby: false },
  { point: 'Succeeded/before hook cleanup/1', failing: false, standby: false },
  { point: 'Failed/before routes/1', failing: true, standby: false },
  { point: 'Failed/before hook cleanup/1', failing: true, standby: true },
];

const figures = { points: 0, exact: 0, duplicates: 0 };

describe('serin controller killed at effect boundaries', { timeout: 900_000 }, () => {
  it.each(trials)('$point (standby: $standby) resumes exactly', async ({ point, failing, standby }) => {
    const ns = await createNamespace(client, 'crash');
    const trial = ns;
    const hooks = [
      { name: 'notify', type: 'event', url: `${receiverUrl}/${trial}/event` },
      { name: 'cleanup', type: 'post-rollout', url: `${receiverUrl}/${trial}/post` },
      ...(failing ? [{ name: 'acceptance', type: 'rollout', url: `${receiverUrl}/${trial}/check` }] : []),
    ];
    await client.create(Resources.deployment, deployment(ns, 'app'));
    await client.create(
      Resources.serinCanary,
      canary(ns, 'app', {}, { stepWeight: 50, maxWeight: 50, threshold: 1, interval: '1s', webhooks: hooks }),
    );
    const first = spawnController(cluster.kubeconfigPath, election(ns), {
      SERIN_TEST_FAIL_POINTS: ARMED_VALUE,
      SERIN_TEST_FAIL_POINT: point,
    });
    processes.push(first);
    await waitFor(
      'initialization',
      async () => (await getCanary(client, ns, 'app')).status?.phase === 'Initialized',
      180_000,
    );
    // The standby starts once the first controller leads (it alone could initialize), so the
    // leader is the one that reaches the fail point and the standby takes over from it.
    if (standby) processes.push(spawnController(cluster.kubeconfigPath, election(ns)));
    await setImage(client, ns, 'app', 'example/app:2');
    await waitFor(
      'the controller to kill itself',
      () => Promise.resolve(first.child.signalCode === 'SIGKILL'),
      240_000,
    );
    if (!standby) processes.push(spawnController(cluster.kubeconfigPath, election(ns)));
    const status = await waitFor(
      'the rollout to end',
      async () => {
        const s = (await getCanary(client, ns, 'app')).status as
          | {
              phase?: string;
              intent?: unknown;
              canaryWeight?: number;
              decisions?: { id?: string; action: string }[];
            }
          | undefined;
        return (s?.phase === 'Succeeded' || s?.phase === 'Failed') && s.intent === undefined ? s : undefined;
      },
      // A standby first waits out the frozen leader's lease; a loaded machine slows every step.
      300_000,
    );
    expect(status.phase).toBe(failing ? 'Failed' : 'Succeeded');
    expect(status.canaryWeight ?? 0).toBe(0);
    const vs = (await client.get(Resources.virtualService, ns, 'app'))?.spec as {
      http: { route: { weight?: number; destination: { host: string } }[] }[];
    };
    const canaryRoute = vs.http[0]?.route.find((r) => r.destination.host === 'app-canary');
    expect(canaryRoute?.weight ?? 0).toBe(0);
    const primary = await client.get(Resources.deployment, ns, 'app-primary');
    const image = (primary?.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
      .containers[0]?.image;
    expect(image).toBe(failing ? 'ghcr.io/stefanprodan/podinfo:6.0.0' : 'example/app:2');
    const decisions = status.decisions ?? [];
    const ids = decisions.map((d) => d.id ?? '?');
    expect(new Set(ids).size).toBe(ids.length);
    // One Event per decision, none counted twice.
    const events = (await client.list(Resources.event, ns)).items.filter(
      (e) =>
        (e as { source?: { component?: string } }).source?.component === 'serin' &&
        e.reason !== 'InvalidCanary',
    );
    expect(events.map((e) => e.count)).toEqual(events.map(() => 1));
    expect(events.length).toBe(decisions.length);
    const got = heard.get(trial) ?? [];
    const dups = got.length - new Set(got).size;
    expect(dups, got.join(', ')).toBe(0);
    expect(got.filter((h) => h.startsWith('event ')).length).toBe(decisions.length);
    expect(got.filter((h) => h.startsWith('post ')).length).toBe(1);
    figures.points += 1;
    figures.exact += 1;
    figures.duplicates += dups;
  });

  it('prints the figures', () => {
    console.log(
      `serin controller crash points: ${figures.points} kill points tried, ${figures.exact} exact resumes, duplicates: ${figures.duplicates}`,
    );
    expect(figures.points).toBe(trials.length);
  });
});
