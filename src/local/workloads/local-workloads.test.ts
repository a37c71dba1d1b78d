import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import type { Canary } from '../../api/canary.js';
import { WorkloadDocument, type Workload, type WorkloadInput } from '../../api/workload.js';
import { demoServiceCommand } from '../demo/command.js';
import { LocalWorkloads, type PrimaryRecord, type WorkloadTarget } from './local-workloads.js';
import { ProcessRegistry } from './process-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'serin-workloads-'));

function workload(version: string, extra: Partial<WorkloadInput['spec']> = {}): Workload {
  return WorkloadDocument.parse({
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Workload',
    metadata: { name: 'web' },
    spec: {
      command: demoServiceCommand(),
      env: { VERSION: version },
      version,
      replicas: 2,
      readinessProbe: { httpGet: { path: '/healthz' }, periodSeconds: 0.1 },
      ...extra,
    },
  });
}

const canary = {
  apiVersion: 'serin.dev/v1beta1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    targetRef: { apiVersion: 'serin.dev/v1beta1', kind: 'Workload', name: 'web' },
    service: { port: 80 },
  },
} as unknown as Canary;

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function versionAt(port: number): Promise<string> {
  const res = await request(`http://127.0.0.1:${port}/`);
  return ((await res.body.json()) as { version: string }).version;
}

let target: WorkloadTarget = { workload: workload('v1'), baseDir: dir };
let primary: PrimaryRecord | undefined;
const endpointHistory: string[][] = [];
const registry = new ProcessRegistry(join(dir, 'processes.json'));
const workloads = new LocalWorkloads({
  target: () => target,
  loadPrimary: () => primary,
  savePrimary: (_c, record) => {
    primary = record;
    return Promise.resolve();
  },
  onEndpointsChange: (c) => {
    endpointHistory.push(workloads.endpoints(c).primary.map((e) => e.version));
  },
  logDir: join(dir, 'logs'),
  registry,
  drainMs: 200,
});

afterAll(async () => {
  await workloads.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('local workloads', () => {
  it('starts the primary replicas, each on its own port, and reports them ready from the probe', async () => {
    const first = await workloads.initialize(canary, { waitForPrimary: true });
    expect(first.ready).toBe(false);
    await until('primary ready', async () => (await workloads.isPrimaryReady(canary)).ready);
    const endpoints = workloads.endpoints(canary).primary;
    expect(endpoints).toHaveLength(2);
    expect(new Set(endpoints.map((e) => e.port)).size).toBe(2);
    for (const e of endpoints) expect(await versionAt(e.port)).toBe('v1');
    expect(endpoints[0]?.workload).toBe('web-primary');
  });

  it('restarts a replica that dies, and captures its logs in memory and on disk', async () => {
    const [replica] = workloads.state(canary).primary!.replicas;
    process.kill(replica!.pid!, 'SIGKILL');
    await until('restart', () => {
      const again = workloads.state(canary).primary!.replicas[0]!;
      return again.restarts === 1 && again.ready && again.pid !== replica!.pid;
    });
    const logs = workloads.logs(canary)[replica!.name]!.map((l) => l.text);
    expect(logs.some((l) => l.includes('listening on'))).toBe(true);
    expect(logs.some((l) => l.startsWith('process ended (signal SIGKILL)'))).toBe(true);
    const file = readFileSync(join(dir, 'logs', `${replica!.name}.log`), 'utf8');
    expect(file).toContain('restarting in');
  });

  it('runs the canary from the target spec, and promotes without a moment with no ready primary', async () => {
    target = { workload: workload('v2'), baseDir: dir };
    const rev = await workloads.targetRevision(canary);
    expect(rev.specHash).not.toBe(primary?.revision);
    await workloads.scaleCanaryUp(canary);
    await until('canary ready', async () => (await workloads.isCanaryReady(canary)).ready);
    const canaryEndpoints = workloads.endpoints(canary).canary;
    expect(canaryEndpoints.map((e) => e.workload)).toEqual(['web', 'web']);
    expect(await versionAt(canaryEndpoints[0]!.port)).toBe('v2');

    const oldPids = workloads.state(canary).primary!.replicas.map((r) => r.pid!);
    endpointHistory.length = 0;
    await workloads.promote(canary);
    expect(primary?.revision).toBe(rev.specHash);
    await until('promoted primary ready', async () => (await workloads.isPrimaryReady(canary)).ready);
    const endpoints = workloads.endpoints(canary).primary;
    for (const e of endpoints) expect(await versionAt(e.port)).toBe('v2');
    // Every endpoint set the router saw during the promotion had at least one ready primary.
    expect(endpointHistory.every((set) => set.length > 0)).toBe(true);
    await until('old primary stopped', () =>
      oldPids.every((pid) => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }),
    );
    await workloads.scaleCanaryDown(canary);
    expect(workloads.endpoints(canary).canary).toEqual([]);
  });

  it('reports a command that cannot start as not ready, with the reason', async () => {
    const broken = { ...canary, metadata: { name: 'broken', namespace: 'default' } } as Canary;
    const other = new LocalWorkloads({
      target: () => ({
        workload: workload('v1', { command: ['/nonexistent/serin-test-binary'] }),
        baseDir: dir,
      }),
      loadPrimary: () => undefined,
      savePrimary: () => Promise.resolve(),
      onEndpointsChange: () => undefined,
    });
    await other.initialize(broken, { waitForPrimary: false });
    const r = await until('failure reported', async () => {
      const readiness = await other.isPrimaryReady(broken);
      return readiness.message.includes('ENOENT') ? readiness : undefined;
    });
    expect(r.ready).toBe(false);
    await other.stopAll();
  });
});
