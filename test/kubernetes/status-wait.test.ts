/**
 * `serin status --wait` in CI after `kubectl set image` (the real kubectl): it must wait for the
 * outcome of the revision the target runs when it starts, not return on the `Succeeded` the
 * previous revision left in status. The controller is stopped while the new image lands, so the
 * status still says `Succeeded` for the old revision when the wait begins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/definitions/status.js';
import { ExitCode } from '../../src/cli/program.js';
import { KubeClient } from '../../src/kubernetes/client.js';
import { buildCommand, COMMAND_ANNOTATION, encodeCommand } from '../../src/kubernetes/commands.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { kubectl } from '../apiserver/testing.js';
import { runCommand } from '../support/in-process-cli.js';
import {
  canary,
  createNamespace,
  deployment,
  getCanary,
  startController,
  useCluster,
  waitFor,
  waitForPhase,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime | undefined;
let ns: string;

const status = (...args: string[]) =>
  runCommand([statusCommand], ['status', ...args, '--kubeconfig', cluster.kubeconfigPath]);

async function setImage(image: string): Promise<void> {
  const result = await kubectl(cluster.kubeconfigPath, [
    '-n',
    ns,
    'set',
    'image',
    'deployment/web',
    `app=${image}`,
  ]);
  if (result.code !== 0) throw new Error(`kubectl set image failed: ${result.stderr}`);
}

async function stopController(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}

async function restartController(): Promise<void> {
  controller ??= await startController(cluster, { namespace: ns });
}

/** Starts `status --wait` and resolves once it has printed a line saying it waits for `what`. */
function startWait(what: RegExp, ...args: string[]) {
  let seen: (() => void) | undefined;
  const printed = new Promise<void>((resolve) => (seen = resolve));
  const done = runCommand(
    [statusCommand],
    ['status', 'web', '-n', ns, '--wait', '--kubeconfig', cluster.kubeconfigPath, ...args],
    (stdout) => {
      if (what.test(stdout)) seen?.();
    },
  );
  // A command that ends without printing it fails the test instead of hanging it.
  const ended = done.then((r) => {
    throw new Error(`status --wait ended early (${r.code}): ${r.stdout}${r.stderr}`);
  });
  return { printed: Promise.race([printed, ended]), done };
}

const lastAppliedSpec = async () => (await getCanary(client, ns, 'web')).status?.lastAppliedSpec;

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'wait');
  await client.create(Resources.deployment, deployment(ns, 'web'));
  await client.create(
    Resources.serinCanary,
    canary(ns, 'web', {}, { interval: '1s', stepWeight: 20, maxWeight: 60, threshold: 2 }),
  );
  await restartController();
  await waitForPhase(client, ns, 'web', 'Initialized');
  // One finished rollout, so the status says Succeeded before the revision under test exists.
  await setImage('example/web:2');
  await waitFor('the first rollout to succeed', async () => {
    const s = (await getCanary(client, ns, 'web')).status;
    return s?.phase === 'Succeeded' && (s.decisions as unknown[] | undefined)?.length;
  });
}, 120_000);

afterAll(async () => {
  await stopController();
  await cluster.stop();
});

describe('serin status --wait after kubectl set image', { timeout: 150_000 }, () => {
  it('waits through the previous Succeeded and exits 0 only once the new revision is promoted', async () => {
    await stopController();
    const before = await lastAppliedSpec();
    await setImage('example/web:3');
    const wait = startWait(/not picked up yet/);
    await wait.printed;
    // The old Succeeded is still in status, and the command has not taken it for an answer.
    expect((await getCanary(client, ns, 'web')).status?.phase).toBe('Succeeded');
    await restartController();
    const result = await wait.done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(ExitCode.ok);
    const after = (await getCanary(client, ns, 'web')).status ?? {};
    expect(after.phase).toBe('Succeeded');
    expect(after.lastAppliedSpec).not.toBe(before);
    expect(after.lastPromotedSpec).toBe(after.lastAppliedSpec);
    expect(result.stdout).toMatch(/not picked up yet[\s\S]*Progressing[\s\S]*promoted/);
  });

  it('exits 1 when the new revision is rolled back', async () => {
    await stopController();
    const before = await lastAppliedSpec();
    await setImage('example/web:4');
    const wait = startWait(/not picked up yet/);
    await wait.printed;
    await restartController();
    await waitFor('the run of the new revision', async () => {
      const s = (await getCanary(client, ns, 'web')).status;
      return s?.phase === 'Progressing' && s.lastAppliedSpec !== before;
    });
    await client.patch(Resources.serinCanary, ns, 'web', {
      metadata: { annotations: { [COMMAND_ANNOTATION]: encodeCommand(buildCommand('abort', { by: 'ci' })) } },
    });
    const result = await wait.done;
    expect(result.code).toBe(ExitCode.failure);
    expect(result.stderr).toMatch(/failed: revision \w+ rolled back/);
    expect((await getCanary(client, ns, 'web')).status?.phase).toBe('Failed');
  });

  it('exits 3 when the timeout passes before the new revision has an outcome', async () => {
    await stopController();
    await setImage('example/web:5');
    const result = await status('web', '-n', ns, '--wait', '--timeout', '2s');
    expect(result.code).toBe(ExitCode.timeout);
    expect(result.stderr).toMatch(/timed out after 2s .*not picked up yet/);
    await restartController();
  });

  it('answers at once for a revision that already has its outcome', async () => {
    await waitFor('the last revision to be promoted', async () => {
      const s = (await getCanary(client, ns, 'web')).status;
      return s?.phase === 'Succeeded' && s.lastAppliedSpec !== undefined;
    });
    const result = await status('web', '-n', ns, '--wait', '--timeout', '30s');
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toContain('promoted');
  });
});
