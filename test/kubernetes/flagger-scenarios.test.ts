/**
 * Flagger's own scenarios, run once on `serin.dev` Canaries and once on `flagger.app` Canaries
 * against an API server that registers Flagger's published CRD (and Serin's generated one) with
 * pruning, defaulting and validation on, as a cluster with Flagger's CRD installed would. Every
 * scenario must behave the same in both groups: Serin's state must survive Flagger's CRD.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAGGER_STATUS_FIELDS, stateName } from '../../src/kubernetes/canary-state.js';
import { findCanary } from '../../src/kubernetes/cli-support.js';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { createKubernetesDashboardBackend } from '../../src/kubernetes/dashboard-backend.js';
import { encodeCommand } from '../../src/kubernetes/commands.js';
import { COMMAND_ANNOTATION } from '../../src/kubernetes/commands.js';
import { Resources, type ResourceType } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import {
  createNamespace,
  deployment,
  recordObjects,
  replicasOf,
  setImage,
  startController,
  useCluster,
  waitFor,
  type Cluster,
} from './support.js';

type Group = 'serin.dev' | 'flagger.app';
const GROUPS: Group[] = ['serin.dev', 'flagger.app'];
const PREFIX: Record<Group, string> = { 'serin.dev': 's', 'flagger.app': 'f' };
/** The shortest analysis interval each group allows: flagger.app keeps Flagger's 10s floor. */
const INTERVAL_MS: Record<Group, number> = { 'serin.dev': 1_000, 'flagger.app': 10_000 };
/** Long enough for a whole run at the group's interval on a loaded machine. */
const phaseTimeout = (group: Group): number => 30 * INTERVAL_MS[group] + 30_000;
/** A window of several ticks, to see that something happens only once. */
const severalTicks = (group: Group): Promise<void> =>
  new Promise((r) => setTimeout(r, 3.5 * INTERVAL_MS[group]));

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;
let ns: string;
let hooks: http.Server;
let hookUrl: string;
const openGates = new Set<string>();

beforeAll(async () => {
  hooks = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      const closed = (path.startsWith('/gate/') && !openGates.has(path)) || path.startsWith('/fail/');
      res.writeHead(closed ? 403 : 200);
      res.end(closed ? 'no' : 'ok');
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'flagger-scenarios');
  controller = await startController(cluster, { namespace: ns });
}, 60_000);

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
  hooks.close();
});

const typeOf = (group: Group): ResourceType =>
  group === 'flagger.app' ? Resources.flaggerCanary : Resources.serinCanary;

interface Status {
  phase?: string;
  canaryWeight?: number;
  decisions?: { action: string }[];
  checks?: unknown[];
  [field: string]: unknown;
}

/** A Canary valid under both CRDs: Flagger's wants exactly one of iterations, stepWeight, stepWeights. */
function canaryDoc(
  group: Group,
  name: string,
  analysis: Record<string, unknown>,
  spec: Record<string, unknown> = {},
) {
  return {
    apiVersion: `${group}/v1beta1`,
    kind: 'Canary',
    metadata: { name, namespace: ns },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      service: { port: 9898 },
      analysis: { interval: '1s', threshold: 2, ...analysis },
      ...spec,
    },
  };
}

async function liveCanary(group: Group, name: string): Promise<KubeObject & { status?: Status }> {
  const live = await client.get(typeOf(group), ns, name);
  if (!live) throw new Error(`${group} Canary ${name} not found`);
  return live;
}

/** Everything Serin recorded: the Canary's status, and for flagger.app the companion's. */
async function recorded(group: Group, name: string): Promise<Status> {
  const live = await liveCanary(group, name);
  if (group === 'serin.dev') return live.status ?? {};
  const companion = await client.get(Resources.configMap, ns, stateName(name));
  const text = (companion?.data as Record<string, string> | undefined)?.['status.json'];
  return text === undefined ? {} : (JSON.parse(text) as Status);
}

async function waitPhase(
  group: Group,
  name: string,
  phase: string,
  timeoutMs = phaseTimeout(group),
): Promise<Status> {
  await waitFor(
    `${group} ${name} in ${phase}`,
    async () => (await liveCanary(group, name)).status?.phase === phase,
    timeoutMs,
  );
  return recorded(group, name);
}

async function create(
  group: Group,
  name: string,
  analysis: Record<string, unknown>,
  spec: Record<string, unknown> = {},
) {
  await client.create(Resources.deployment, deployment(ns, name));
  await client.create(typeOf(group), canaryDoc(group, name, analysis, spec));
  await waitPhase(group, name, 'Initialized');
}

async function command(group: Group, name: string, action: 'abort' | 'set-weight', weight?: number) {
  const id = `${action}-${Math.random().toString(36).slice(2)}`;
  const body = encodeCommand({
    id,
    action: action === 'abort' ? { type: 'abort' } : { type: 'set-weight', weight: weight ?? 0 },
    by: 'test',
  });
  await client.patch(typeOf(group), ns, name, { metadata: { annotations: { [COMMAND_ANNOTATION]: body } } });
}

/** How many times an Event with this reason was recorded for the Canary (repeats bump `count`). */
async function eventCount(name: string, reason: string): Promise<number> {
  const events = await client.list(Resources.event, ns);
  return events.items
    .filter((e) => e.reason === reason && (e.involvedObject as { name?: string }).name === name)
    .reduce((sum, e) => sum + (typeof e.count === 'number' ? e.count : 1), 0);
}

async function canaryWeightInVs(name: string): Promise<number | undefined> {
  const vs = await client.get(Resources.virtualService, ns, name);
  const route = (
    vs?.spec as { http?: { route: { destination: { host: string }; weight?: number }[] }[] } | undefined
  )?.http?.at(-1)?.route;
  return route?.find((r) => r.destination.host === `${name}-canary`)?.weight;
}

async function runWithRecorder(
  group: Group,
  name: string,
  analysis: Record<string, unknown>,
): Promise<string[]> {
  await create(group, name, analysis);
  const recorder = recordObjects(client, Resources.virtualService, ns);
  await setImage(client, ns, name, `example/${name}:2`);
  await waitPhase(group, name, 'Succeeded');
  await recorder.stop();
  return recorder.specsOf(name);
}

// Scenarios run side by side (each on its own Deployment and Canary) so that flagger.app's 10s
// intervals do not add up.
describe.concurrent.each(GROUPS)('Flagger scenarios on %s Canaries', { timeout: 600_000 }, (group) => {
  const n = (scenario: string): string => `${PREFIX[group]}-${scenario}`;

  it('promotion: steps to Succeeded and keeps its decisions; the Canary holds only what its CRD declares', async () => {
    const name = n('promote');
    await create(group, name, { stepWeight: 50, maxWeight: 50 });
    await setImage(client, ns, name, 'example/promote:2');
    const done = await waitPhase(group, name, 'Succeeded');
    expect(done.decisions?.map((d) => d.action)).toEqual(expect.arrayContaining(['Promote']));
    const onCanary = Object.keys((await liveCanary(group, name)).status ?? {});
    if (group === 'flagger.app')
      expect(onCanary.every((f) => (FLAGGER_STATUS_FIELDS as readonly string[]).includes(f))).toBe(true);
    await waitFor('target at zero', async () => (await replicasOf(client, ns, name)) === 0);
    // What users read: `serin status` (findCanary) and the dashboard show the decisions too.
    const found = await findCanary(client, ns, name);
    expect(JSON.stringify(found.canary.status?.decisions)).toContain('Promote');
    const dashboard = createKubernetesDashboardBackend(cluster.kubeConfig, { namespace: ns });
    try {
      const detail = await dashboard.get(ns, name);
      expect(detail?.decisions.map((d) => d.action)).toContain('Promote');
    } finally {
      await dashboard.close();
    }
  });

  it('rollback: a failing rollout webhook fails the run after threshold checks', async () => {
    const name = n('rollback');
    await create(group, name, {
      stepWeight: 50,
      maxWeight: 50,
      webhooks: [{ name: 'load', type: 'rollout', url: `${hookUrl}/fail/${name}` }],
    });
    await setImage(client, ns, name, 'example/rollback:2');
    const failed = await waitPhase(group, name, 'Failed');
    expect(failed.decisions?.some((d) => d.action === 'Rollback')).toBe(true);
    const primary = await client.get(Resources.deployment, ns, `${name}-primary`);
    expect(JSON.stringify(primary?.spec)).not.toContain('example/rollback:2');
  });

  it('A/B: header-matched requests go to the canary during the iterations', async () => {
    const name = n('ab');
    const specs = await runWithRecorder(group, name, {
      iterations: 1,
      match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
    });
    expect(
      specs.some((s) => s.includes('insider') && s.includes(`"host":"${name}-canary"},"weight":100`)),
    ).toBe(true);
  });

  it('blue/green with mirroring: the canary gets a copy of the traffic before the cut-over', async () => {
    const name = n('bgmirror');
    const specs = await runWithRecorder(group, name, { iterations: 1, mirror: true });
    expect(specs.some((s) => s.includes(`"mirror":{"host":"${name}-canary"`))).toBe(true);
  });

  it('session affinity: a cookie keeps canary users on the canary', async () => {
    const name = n('sticky');
    const specs = await runWithRecorder(group, name, {
      stepWeight: 50,
      maxWeight: 50,
      sessionAffinity: { cookieName: `${name}-cookie`, maxAge: 120 },
    });
    expect(specs.some((s) => s.includes('Set-Cookie') && s.includes('Max-Age=120'))).toBe(true);
  });

  it('confirm-promotion: holds at the gate, says so once, and promotes when it opens', async () => {
    const name = n('gated');
    const gate = `/gate/${name}`;
    await create(group, name, {
      stepWeight: 50,
      maxWeight: 50,
      webhooks: [{ name: 'gate', type: 'confirm-promotion', url: `${hookUrl}${gate}` }],
    });
    await setImage(client, ns, name, 'example/gated:2');
    await waitPhase(group, name, 'WaitingPromotion');
    await severalTicks(group); // several closed-gate intervals
    expect((await liveCanary(group, name)).status?.phase).toBe('WaitingPromotion');
    expect(await eventCount(name, 'Waiting')).toBe(1);
    openGates.add(gate);
    await waitPhase(group, name, 'Succeeded');
  });

  it('set-weight: sets the weight once, then the run steps on from it', async () => {
    const name = n('weight');
    await create(group, name, { stepWeight: 20, maxWeight: 60 });
    await setImage(client, ns, name, 'example/weight:2');
    await waitPhase(group, name, 'Progressing');
    await command(group, name, 'set-weight', 30);
    await waitFor('weight 30', async () => (await canaryWeightInVs(name)) === 30);
    await waitFor('the run steps past 30', async () => ((await canaryWeightInVs(name)) ?? 0) > 30);
    await waitPhase(group, name, 'Succeeded');
    expect(await eventCount(name, 'SetWeight')).toBe(1);
  });

  it('abort: rolls back once, with no rejected repeats', async () => {
    const name = n('abort');
    await create(group, name, { stepWeight: 20, maxWeight: 60 });
    await setImage(client, ns, name, 'example/abort:2');
    await waitPhase(group, name, 'Progressing');
    await command(group, name, 'abort');
    await waitPhase(group, name, 'Failed');
    await severalTicks(group); // several intervals after the abort
    expect(await eventCount(name, 'CommandRejected')).toBe(0);
  });

  it('progress deadline: a canary that never gets ready fails the run', async (ctx) => {
    if (!cluster.server) ctx.skip(); // needs the simulated deployment controller
    const name = n('deadline');
    await create(group, name, { stepWeight: 50, maxWeight: 50 }, { progressDeadlineSeconds: 4 });
    cluster.server?.setDeploymentBehaviour(ns, name, 'unready');
    await setImage(client, ns, name, 'example/deadline:2');
    const failed = await waitPhase(group, name, 'Failed');
    // The rollback names the 4s deadline (the workload module's or the engine's own wording).
    expect(JSON.stringify(failed.decisions)).toMatch(/more than 4s|progress deadline of 4s/);
  });

  it('deletion with revertOnDeletion: the target gets its replicas back and the Canary goes', async () => {
    const name = n('revert');
    await create(group, name, { stepWeight: 50, maxWeight: 50 }, { revertOnDeletion: true });
    await waitFor('target at zero', async () => (await replicasOf(client, ns, name)) === 0);
    await client.delete(typeOf(group), ns, name);
    await waitFor('Canary gone', async () => (await client.get(typeOf(group), ns, name)) === undefined);
    expect(await replicasOf(client, ns, name)).toBe(2);
    expect(await client.get(Resources.deployment, ns, `${name}-primary`)).toBeUndefined();
  });
});
