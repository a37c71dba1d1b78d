import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import type { Canary, CanaryStatus } from '../../src/api/canary.js';
import { WorkloadDocument } from '../../src/api/workload.js';
import { workloadRevision } from '../../src/local/workloads/revision.js';
import { demoServiceCommand } from '../../src/local/demo/command.js';
import { startSession, type Session } from '../../src/local/session.js';

/** A Workload document running the demo service with the given behaviour. */
export function demoWorkload(name: string, version: string, env: Record<string, string> = {}) {
  return {
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Workload',
    metadata: { name, namespace: 'default' },
    spec: {
      command: demoServiceCommand(),
      env: { VERSION: version, ...env },
      version,
      replicas: 1,
      readinessProbe: { httpGet: { path: '/healthz' }, periodSeconds: 0.2 },
      terminationGracePeriodSeconds: 2,
    },
  };
}

export function canaryDoc(
  name: string,
  analysis: Record<string, unknown>,
  service: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace: 'default' },
    spec: {
      targetRef: { apiVersion: 'serin.dev/v1beta1', kind: 'Workload', name },
      service: { port: 80, ...service },
      progressDeadlineSeconds: 60,
      analysis: { interval: '1s', threshold: 2, ...analysis },
    },
  };
}

export const yamlDocs = (...docs: unknown[]) => docs.map((d) => stringify(d)).join('---\n');

export const successRate = (min = 99, interval = '3s') => ({
  name: 'request-success-rate',
  thresholdRange: { min },
  interval,
});

export const duration = (max: number, interval = '3s') => ({
  name: 'request-duration',
  thresholdRange: { max },
  interval,
});

export interface LocalHarness {
  session: Session;
  dir: string;
  router: string;
  canary(): Canary;
  status(): CanaryStatus;
  /** Applies documents; returns the revision of the (last) Workload among them. */
  apply(...docs: unknown[]): Promise<string>;
  close(): Promise<void>;
}

/** An in-process `serin run` (real processes, real router) over manifest documents. */
export function startLocal(...docs: unknown[]): Promise<LocalHarness> {
  return startLocalWith({}, ...docs);
}

export async function startLocalWith(
  options: { apiPort?: number; prometheus?: string },
  ...docs: unknown[]
): Promise<LocalHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'serin-e2e-'));
  const session = await startSession({
    files: [],
    sources: [{ name: 'test.yaml', text: yamlDocs(...docs), baseDir: dir }],
    stateDir: join(dir, '.serin'),
    routerPort: 0,
    apiPort: options.apiPort ?? 0,
    prometheus: options.prometheus,
    watch: false,
    buildDashboard: false,
    drainMs: 500,
  });
  const canary = () => {
    const c = session.runtime.canaries()[0];
    if (!c) throw new Error('no canary is running');
    return c;
  };
  return {
    session,
    dir,
    router: session.info.router,
    canary,
    status: () => canary().status ?? {},
    async apply(...applied) {
      await session.runtime.apply([{ name: 'applied.yaml', text: yamlDocs(...applied), baseDir: dir }]);
      const workload = applied.findLast((d) => (d as { kind?: string }).kind === 'Workload');
      return workload === undefined ? '' : workloadRevision(WorkloadDocument.parse(workload));
    },
    async close() {
      await session.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The canary keeps its workload name across revisions (as a Deployment does), so the metric window
 * of a new run starts with the previous run's requests. Tests wait this long between runs so each
 * run is judged on its own traffic (the metrics in these suites use 3 s windows).
 */
export function metricWindowPasses(): Promise<void> {
  return new Promise((r) => setTimeout(r, 3500));
}

export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function phaseIs(h: LocalHarness, ...phases: string[]): () => true | undefined {
  return () => (phases.includes(h.status().phase ?? '') ? true : undefined);
}

/** Waits for the run of `revision` to end, and returns the phase it ended in. */
export async function finalPhase(h: LocalHarness, revision: string, timeoutMs = 90_000): Promise<string> {
  return until(
    `the rollout of ${revision} to end`,
    () => {
      const s = h.status();
      const done = s.phase === 'Succeeded' || s.phase === 'Failed';
      return done && s.lastAppliedSpec === revision ? s.phase : undefined;
    },
    timeoutMs,
  );
}

export interface Traffic {
  /** Responses counted by `version status` (`v1 200`), and requests with no response. */
  counts: Map<string, number>;
  errors: string[];
  stop(): Promise<void>;
}

/** Steady traffic through the router that counts every single response. */
export function startTraffic(
  url: string,
  options: { concurrency?: number; headers?: Record<string, string> } = {},
): Traffic {
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const counts = new Map<string, number>();
  const errors: string[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const res = await request(url, { dispatcher: agent, headers: options.headers ?? {} });
        const version = res.headers['x-version'];
        await res.body.dump();
        const key = `${typeof version === 'string' ? version : 'none'} ${res.statusCode}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      } catch (error) {
        errors.push((error as Error).message);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 4 }, () => worker());
  return {
    counts,
    errors,
    async stop() {
      running = false;
      await Promise.all(workers);
      await agent.close();
    },
  };
}

/** Asks the router once and reports which version answered. */
export async function versionOf(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ version: string; status: number; setCookie: string[] }> {
  const res = await request(url, { headers });
  const json = String(res.headers['content-type'] ?? '').startsWith('application/json');
  const body = json ? ((await res.body.json()) as { version?: string }) : (await res.body.dump(), {});
  const raw = res.headers['set-cookie'];
  const setCookie = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return { version: body.version ?? 'none', status: res.statusCode, setCookie };
}

export const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

export const nonOk = (counts: Map<string, number>) =>
  [...counts.entries()].filter(([k]) => !k.endsWith(' 200')).reduce((a, [, n]) => a + n, 0);
