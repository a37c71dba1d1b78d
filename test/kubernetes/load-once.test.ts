/**
 * Load tasks with two controller replicas behind one Service (issue 17): the webhooks of one
 * Canary reach either replica, and the load must run once cluster-wide; SIGTERM on the replica
 * running a long task must end it and the process well inside a pod's 30 s grace period. The
 * controllers are the real binary; the load lands on a real HTTP server that counts it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kubernetes/client.js';
import { fastLeaderElection, spawnController, type ControllerProcess } from './process.js';
import { createNamespace, useCluster, waitFor, type Cluster } from './support.js';

/** Kubernetes' default terminationGracePeriodSeconds. */
const GRACE_MS = 30_000;

let cluster: Cluster;
let ns: string;
let target: Server;
let targetUrl: string;
let requests = 0;
const replicas: ControllerProcess[] = [];
const gateUrls: string[] = [];

async function gateUrlOf(replica: ControllerProcess): Promise<string> {
  return waitFor(
    'the gate API address in the log',
    () =>
      Promise.resolve(/"url":"(http:\/\/[^"]+)","msg":"serving the gate API"/.exec(replica.output())?.[1]),
    60_000,
  );
}

async function postTask(url: string, cmd: string): Promise<{ status: number; body: { status?: string } }> {
  const response = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'web',
      namespace: ns,
      phase: 'Progressing',
      metadata: { type: 'cmd', cmd },
    }),
  });
  return { status: response.status, body: (await response.json()) as { status?: string } };
}

async function runningTasks(url: string): Promise<number> {
  const response = await fetch(`${url}/tasks`);
  return ((await response.json()) as { running: unknown[] }).running.length;
}

beforeAll(async () => {
  cluster = await useCluster();
  ns = await createNamespace(new KubeClient(cluster.kubeConfig), 'load-once');
  target = createServer((_req, res) => {
    requests += 1;
    res.end('ok');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${String((target.address() as AddressInfo).port)}/`;
  for (let i = 0; i < 2; i++) {
    const replica = spawnController(cluster.kubeconfigPath, fastLeaderElection(ns));
    replicas.push(replica);
    gateUrls.push(await gateUrlOf(replica));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill('SIGKILL')));
  await new Promise((resolve) => target.close(resolve));
  await cluster.stop();
});

describe('load tasks across two replicas', { timeout: 150_000 }, () => {
  it('a task whose webhooks reach both replicas runs once: the target gets its requests exactly once', async () => {
    const [a = '', b = ''] = gateUrls;
    const before = requests;
    const cmd = `hey -n 40 -c 1 -q 4 ${targetUrl}`;
    const first = await postTask(a, cmd);
    expect([first.status, first.body.status]).toEqual([202, 'started']);
    expect((await postTask(b, cmd)).body.status).toBe('already running on another replica');
    expect((await postTask(a, cmd)).body.status).toBe('already running');
    await waitFor(
      'the task finished',
      async () => (await runningTasks(a)) === 0 && requests - before >= 40,
      90_000,
    );
    expect(await runningTasks(b)).toBe(0);
    expect(requests - before).toBe(40); // twice would be 80
  });

  it('SIGTERM on the replica running a 10-minute task ends it and the process inside the grace period', async () => {
    const [a = '', b = ''] = gateUrls;
    const [running] = replicas;
    if (!running) throw new Error('no replica');
    const cmd = `hey -z 10m -c 1 -q 5 ${targetUrl}`;
    expect((await postTask(a, cmd)).body.status).toBe('started');
    expect((await postTask(b, cmd)).body.status).toBe('already running on another replica');
    const before = requests;
    await waitFor('load reaching the target', () => Promise.resolve(requests - before >= 3));

    const exited = running.kill('SIGTERM');
    const outcome = await Promise.race([
      exited.then((code) => ({ exited: true, code })),
      new Promise<{ exited: false }>((resolve) =>
        setTimeout(() => {
          resolve({ exited: false });
        }, GRACE_MS),
      ),
    ]);
    expect(outcome).toEqual({ exited: true, code: 0 });
    // The claim was handed back on the way out: the other replica takes the task over at once.
    expect((await postTask(b, cmd)).body.status).toBe('started');
    await waitFor('the other replica running it', async () => (await runningTasks(b)) === 1);
  });
});
