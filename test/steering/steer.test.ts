/**
 * One way to steer: the same `serin` command lines, with the same answers and exit codes, against a
 * real `serin run` process and against a cluster (the test API server, or the one KUBECONFIG names,
 * with a controller). Each platform only says how to start, how to make a new revision and how to
 * read the status; the table of steps and expectations is shared.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryStatus } from '../../src/api/canary.js';
import { controlCommand } from '../../src/cli/definitions/control.js';
import { statusCommand } from '../../src/cli/definitions/status.js';
import { ExitCode } from '../../src/cli/program.js';
import { KubeClient, loadKubeConfig } from '../../src/kubernetes/client.js';
import { COMMAND_ANNOTATION } from '../../src/kubernetes/commands.js';
import { kubeIdentity } from '../../src/kubernetes/identity.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { osUser } from '../../src/local/token.js';
import { freePort } from '../../src/local/workloads/free-port.js';
import { runCommand } from '../support/in-process-cli.js';
import {
  canary as clusterCanary,
  createNamespace,
  deployment,
  getCanary,
  setImage,
  startController,
  useCluster,
  waitFor,
  type Cluster,
} from '../kubernetes/support.js';
import { killRecorded, serinRun, type SerinRun } from '../local/serin-run.js';
import { canaryDoc, demoWorkload, until, yamlDocs } from '../local/support.js';

/** A run long enough (99 steps of 1%) that every step below lands while it is progressing. */
const SLOW = { interval: '1s', threshold: 2, stepWeight: 1, maxWeight: 99 };
const LONG = 180_000;

interface Platform {
  name: string;
  /** Where the commands point: the flags a user would pass. */
  flags: string[];
  namespace: string;
  /** Who the platform records as the actor for these flags. */
  identity: string;
  start(): Promise<void>;
  newRevision(version: string): Promise<void>;
  status(): Promise<CanaryStatus>;
  /** Whether a command reached the platform (cluster: the annotation; locally: the engine). */
  commandWritten(): Promise<boolean>;
  stop(): Promise<void>;
}

function localPlatform(): Platform {
  const dir = mkdtempSync(join(tmpdir(), 'serin-steer-'));
  const stateDir = join(dir, '.serin');
  const manifest = join(dir, 'serin.yaml');
  const canary = canaryDoc('web', SLOW);
  let run: SerinRun | undefined;
  const api = () => (JSON.parse(readFileSync(join(stateDir, 'run.json'), 'utf8')) as { api: string }).api;
  const status = async (): Promise<CanaryStatus> => {
    const res = await request(`${api()}/api/local/canaries/default/web`);
    const body = (await res.body.json()) as { canary: { status?: CanaryStatus } };
    return body.canary.status ?? {};
  };
  return {
    name: 'a local `serin run` process',
    flags: ['--state-dir', stateDir],
    namespace: 'default',
    identity: osUser(),
    async start() {
      writeFileSync(manifest, yamlDocs(demoWorkload('web', 'v1'), canary));
      const args = [
        '-f',
        manifest,
        '--port',
        String(await freePort()),
        '--api-port',
        String(await freePort()),
      ];
      run = serinRun([...args, '--state-dir', stateDir]);
      await until(
        'the local run to initialize',
        () => (run?.lines.some((l) => l.canary?.phase === 'Initialized') ? true : undefined),
        LONG,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${run?.stderr() ?? ''}`);
      });
    },
    async newRevision(version) {
      // Editing the manifest is a new revision, as a new Deployment image is.
      writeFileSync(manifest, yamlDocs(demoWorkload('web', version), canary));
      return Promise.resolve();
    },
    status,
    async commandWritten() {
      // A command queued despite the refusal would be rejected by the tick it starts at once.
      const decisions = (await status()).decisions ?? [];
      return decisions.some((d) => d.action === 'CommandRejected');
    },
    async stop() {
      if (run && run.child.exitCode === null) {
        const child = run.child;
        child.kill('SIGTERM');
        const gone = await Promise.race([
          run.exited.then(() => true),
          new Promise<false>((r) =>
            setTimeout(() => {
              r(false);
            }, 30_000),
          ),
        ]);
        if (!gone) child.kill('SIGKILL');
      }
      try {
        const left = JSON.parse(readFileSync(join(stateDir, 'processes.json'), 'utf8')) as {
          processes: { pid: number }[];
        };
        killRecorded(left.processes.map((p) => p.pid));
      } catch {
        // nothing left behind
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function clusterPlatform(): Platform {
  let cluster: Cluster;
  let client: KubeClient;
  let controller: ControllerRuntime | undefined;
  const platform: Platform = {
    name: 'a cluster with the controller',
    flags: [],
    namespace: '',
    identity: '',
    async start() {
      cluster = await useCluster({ username: 'alice@example.com' });
      client = new KubeClient(cluster.kubeConfig);
      platform.namespace = await createNamespace(client, 'steer');
      platform.flags = ['--kubeconfig', cluster.kubeconfigPath, '-n', platform.namespace];
      // The test API server answers SelfSubjectReview with the user it was started for; a real
      // cluster with the user it authenticates.
      platform.identity = cluster.real
        ? await kubeIdentity(loadKubeConfig({ kubeconfig: cluster.kubeconfigPath }))
        : 'alice@example.com';
      await client.create(Resources.deployment, deployment(platform.namespace, 'web'));
      await client.create(Resources.serinCanary, clusterCanary(platform.namespace, 'web', {}, SLOW));
      controller = await startController(cluster, { namespace: platform.namespace });
      await waitFor(
        'the canary to initialize',
        async () => (await platform.status()).phase === 'Initialized',
        LONG,
      );
    },
    newRevision: (version) => setImage(client, platform.namespace, 'web', `example/web:${version}`),
    status: async () => (await getCanary(client, platform.namespace, 'web')).status ?? {},
    async commandWritten() {
      const raw = await client.get(Resources.serinCanary, platform.namespace, 'web');
      return raw?.metadata.annotations?.[COMMAND_ANNOTATION] !== undefined;
    },
    async stop() {
      await controller?.stop();
      await cluster.stop();
    },
  };
  return platform;
}

const serin = (...args: string[]) => runCommand([controlCommand, statusCommand], args);

const REQUESTED = (p: Platform, what: string) =>
  new RegExp(
    `^canary ${p.namespace}/web: ${what} requested by ${p.identity.replace(/[.@]/g, '\\$&')} \\(command [0-9a-f-]{36}\\)\\n$`,
  );

async function waitForStatus(p: Platform, what: string, test: (s: CanaryStatus) => boolean) {
  await until(what, async () => (test(await p.status()) ? true : undefined), LONG);
}

describe.each([localPlatform(), clusterPlatform()])('steering $name', (p) => {
  beforeAll(() => p.start(), LONG);
  afterAll(() => p.stop(), LONG);

  it("refuses at once, with the engine's reason and exit 1, an action that cannot apply now", async () => {
    const result = await serin('promote', 'web', ...p.flags);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: canary ${p.namespace}/web: promote refused: only a running analysis can be promoted, phase is Initialized\n`,
    );
    expect(result.code).toBe(ExitCode.failure);
    // Nothing was written or queued: no command for the controller to pick up later.
    expect(await p.commandWritten()).toBe(false);
    const retry = await serin('retry', 'web', ...p.flags);
    expect(retry.stderr).toMatch(
      /retry refused: only a failed revision can be retried, phase is Initialized/,
    );
    expect(retry.code).toBe(ExitCode.failure);
  });

  it('pauses a progressing run, recorded as the real user', { timeout: LONG }, async () => {
    await p.newRevision('v2');
    await waitForStatus(p, 'the v2 run', (s) => s.phase === 'Progressing');
    const result = await serin('pause', 'web', '--reason', 'looking at the logs', ...p.flags);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(REQUESTED(p, 'pause'));
    expect(result.code).toBe(ExitCode.ok);
    await waitForStatus(p, 'the pause', (s) => s.paused === true);
    const paused = (await p.status()).decisions?.findLast((d) => d.action === 'Paused');
    expect(paused?.reason).toBe(`paused by ${p.identity} (looking at the logs): traffic and analysis frozen`);
  });

  it(
    'holds a weight, promotes, and `status --wait` exits 0 once the revision is promoted',
    { timeout: LONG },
    async () => {
      const weight = await serin('set-weight', '30', 'web', ...p.flags);
      expect(weight.stdout).toMatch(REQUESTED(p, 'set-weight 30'));
      expect(weight.code).toBe(ExitCode.ok);
      await waitForStatus(p, 'the weight', (s) => s.canaryWeight === 30);
      // As a script would: promote, then wait for the outcome of the revision (Promoting, Finalising).
      const promote = await serin('promote', 'web', ...p.flags);
      expect(promote.stdout).toMatch(REQUESTED(p, 'promote'));
      expect(promote.code).toBe(ExitCode.ok);
      const waited = await serin('status', 'web', '--wait', '--timeout', '150s', ...p.flags);
      expect(waited.stderr).toBe('');
      expect(waited.stdout).toMatch(/promoted\n$/);
      expect(waited.code).toBe(ExitCode.ok);
      const status = await p.status();
      expect(status.phase).toBe('Succeeded');
      expect(status.decisions?.some((d) => d.reason.startsWith(`promoted by ${p.identity}`))).toBe(true);
    },
  );

  it('refuses to abort a finished rollout, and shows the same status either way', async () => {
    const abort = await serin('abort', 'web', ...p.flags);
    expect(abort.stderr).toBe(
      `error: canary ${p.namespace}/web: abort refused: nothing to abort in phase Succeeded\n`,
    );
    expect(abort.code).toBe(ExitCode.failure);
    const json = await serin('status', 'web', '-o', 'json', ...p.flags);
    expect(json.code).toBe(ExitCode.ok);
    expect((JSON.parse(json.stdout) as CanaryStatus).phase).toBe('Succeeded');
    const text = await serin('status', 'web', ...p.flags);
    expect(text.code).toBe(ExitCode.ok);
    expect(text.stdout).toMatch(/Succeeded/);
  });
});
