/**
 * End to end: the serin CLI against the cluster the real controller is driving: get canaries,
 * set-weight, pause/resume, promote, abort, and status --wait exit codes. The commands run in this
 * process (the same parser, actions and exit codes as the binary) so each call takes milliseconds
 * rather than the seconds a fresh process spends compiling on a loaded machine, which let the
 * rollout finish before `promote` arrived; one case spawns the real binary as `kubectl serin`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { controlCommand } from '../../src/cli/definitions/control.js';
import { getCommand } from '../../src/cli/definitions/get.js';
import { statusCommand } from '../../src/cli/definitions/status.js';
import { SERIN_BIN } from '../support/cli.js';
import { runCommand } from '../support/in-process-cli.js';
import {
  canary,
  createNamespace,
  deployment,
  getCanary,
  setImage,
  startController,
  useCluster,
  waitFor,
  waitForPhase,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;
let ns: string;
let env: NodeJS.ProcessEnv;

const CLUSTER_COMMANDS = [controlCommand, getCommand, statusCommand];
/** One `serin` command line against the suite's cluster (its kubeconfig passed as a flag, as a user could). */
const serin = (...args: string[]) =>
  runCommand(CLUSTER_COMMANDS, [...args, '--kubeconfig', cluster.kubeconfigPath]);

async function canaryWeightInVirtualService(name: string): Promise<number | undefined> {
  const vs = await client.get(Resources.virtualService, ns, name);
  const http = (
    vs?.spec as { http?: { route?: { destination: { host: string }; weight?: number }[] }[] } | undefined
  )?.http;
  return http?.[0]?.route?.find((r) => r.destination.host === `${name}-canary`)?.weight;
}

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'cli');
  env = { KUBECONFIG: cluster.kubeconfigPath };
  controller = await startController(cluster, { namespace: ns });
  // Slow steps: the run stays in Progressing long enough for commands to act on it.
  await client.create(Resources.deployment, deployment(ns, 'web'));
  await client.create(
    Resources.serinCanary,
    canary(ns, 'web', {}, { stepWeight: 5, maxWeight: 95, interval: '2s' }),
  );
  await waitForPhase(client, ns, 'web', 'Initialized');
}, 90_000);

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
});

describe('serin CLI on a cluster', { timeout: 150_000 }, () => {
  it('lists canaries as a kubectl-style table, and as JSON', async () => {
    const table = await serin('get', 'canaries', '-n', ns);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+GROUP\s+STATUS\s+WEIGHT\s+LASTTRANSITIONTIME$/);
    expect(table.stdout).toMatch(/web\s+serin\.dev\s+Initialized\s+0/);
    const wide = await serin('get', 'canaries', '-A', '-o', 'wide');
    expect(wide.stdout).toMatch(
      new RegExp(`${ns}\\s+web\\s+serin\\.dev\\s+Initialized\\s+0\\s+0\\s+0\\s+canary\\s+web`),
    );
    const json = await serin('get', 'canaries', '-n', ns, '-o', 'json');
    expect(
      (JSON.parse(json.stdout) as { items: { metadata: { name: string } }[] }).items[0]?.metadata.name,
    ).toBe('web');
    expect((await serin('get', 'pods')).code).toBe(2);
  });

  it('set-weight, pause and promote act through an annotation, never the spec', async () => {
    const before = await getCanary(client, ns, 'web');
    await setImage(client, ns, 'web', 'example/web:2');
    await waitForPhase(client, ns, 'web', 'Progressing');
    const setWeight = await serin('set-weight', '40', 'web', '-n', ns);
    expect(setWeight.code).toBe(0);
    await waitFor('canary weight 40', async () => (await canaryWeightInVirtualService('web')) === 40);
    expect((await serin('pause', 'web', '-n', ns)).code).toBe(0);
    await waitFor('paused', async () => (await getCanary(client, ns, 'web')).status?.paused === true);
    const paused = await getCanary(client, ns, 'web');
    expect(paused.metadata.generation).toBe(before.metadata.generation);
    expect((await serin('resume', 'web', '-n', ns)).code).toBe(0);
    expect((await serin('promote', 'web', '-n', ns, '--reason', 'release window')).code).toBe(0);
    const wait = await serin('status', 'web', '-n', ns, '--wait', '--timeout', '60s');
    expect(wait.stderr).toBe('');
    expect(wait.code).toBe(0);
    const view = await serin('status', 'web', '-n', ns);
    expect(view.stdout).toContain('Phase:   Succeeded');
    expect(view.stdout).toContain('promoted by');
  });

  it('abort rolls back, and status --wait exits 1 on Failed', async () => {
    await setImage(client, ns, 'web', 'example/web:3');
    await waitForPhase(client, ns, 'web', 'Progressing');
    expect((await serin('abort', 'web', '-n', ns)).code).toBe(0);
    const wait = await serin('status', 'web', '-n', ns, '--wait', '--timeout', '60s');
    expect(wait.code).toBe(1);
    expect(wait.stderr).toContain('failed');
  });

  it('works as a kubectl plugin (kubectl-serin on PATH)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-plugin-'));
    symlinkSync(SERIN_BIN, join(dir, 'kubectl-serin'));
    const { stdout } = await promisify(execFile)('kubectl', ['serin', 'get', 'canaries', '-n', ns], {
      env: { ...process.env, ...env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` },
      timeout: 60_000,
    }).finally(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    expect(stdout).toMatch(/^NAME\s+GROUP\s+STATUS/);
    expect(stdout).toContain('web');
  });

  it('reports bad input clearly', async () => {
    const weight = await serin('set-weight', '140', 'web', '-n', ns);
    expect(weight.code).toBe(2);
    expect(weight.stderr).toContain('between 0 and 100');
    const missing = await serin('promote', 'nope', '-n', ns);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('canary "nope" not found');
    const timeout = await serin('status', 'web', '-n', ns, '--wait', '--timeout', 'soon');
    expect(timeout.code).toBe(2);
  });
});
