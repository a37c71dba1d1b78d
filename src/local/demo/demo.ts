import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { toYamlDocuments } from '../../api/yaml.js';
import type { Canary } from '../../api/canary.js';
import { WorkloadDocument } from '../../api/workload.js';
import type { LocalEvent } from '../events.js';
import type { RuntimeEvent } from '../runtime.js';
import { startSession, type Session } from '../session.js';
import { createView } from '../view.js';
import { workloadRevision } from '../workloads/revision.js';
import { demoServiceCommand } from './command.js';
import { startLoad, type LoadStats } from './load.js';

export interface DemoOptions {
  /** Shorter intervals and fewer steps (for tests and CI). */
  fast: boolean;
  routerPort: number;
  apiPort: number;
  /** Defaults to a fresh temporary directory, removed at the end. */
  stateDir?: string | undefined;
  json: boolean;
  color: boolean;
  buildDashboard: boolean;
  write: (text: string) => void;
  /**
   * Extra latency for every version alike (milliseconds), as a loaded machine or a slow shared
   * dependency adds: the healthy v2 must still be promoted and v3 still rolled back.
   */
  sharedDelayMs?: number | undefined;
  /** Leave the router, the API and the dashboard up after the rollouts, until `kept.stop()`. */
  keep?: boolean;
}

interface Release {
  version: string;
  description: string;
  env: Record<string, string>;
  expected: 'Succeeded' | 'Failed';
}

export interface StageResult {
  release: Release;
  phase: string;
  seconds: number;
  decisions: LocalEvent[];
  ok: boolean;
}

export interface DemoResult {
  ok: boolean;
  stages: StageResult[];
  finalVersion: string | undefined;
  load: LoadStats;
  /** With `keep`: the session still running (router, API, dashboard) and how to stop it. */
  kept?: { dashboard: string; router: string; stop(): Promise<void> };
}

const NAME = 'podinfo';

const V1: Release = {
  version: 'v1',
  description: 'the running release',
  env: { ERROR_RATE: '0', LATENCY_MS: '20', LATENCY_JITTER: '10' },
  expected: 'Succeeded',
};
const V2: Release = {
  version: 'v2',
  description: 'healthy: no errors, a little faster',
  env: { ERROR_RATE: '0', LATENCY_MS: '12', LATENCY_JITTER: '6' },
  expected: 'Succeeded',
};
const V3: Release = {
  version: 'v3',
  description: 'faulty: 20% HTTP 500 and +300 ms latency',
  env: { ERROR_RATE: '0.2', LATENCY_MS: '300', LATENCY_JITTER: '50' },
  expected: 'Failed',
};

function workload(release: Release, replicas: number, sharedDelayMs = 0) {
  const latency = Number(release.env.LATENCY_MS ?? 0) + sharedDelayMs;
  return {
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Workload',
    metadata: { name: NAME, namespace: 'default', labels: { app: NAME } },
    spec: {
      command: demoServiceCommand(),
      env: { VERSION: release.version, ...release.env, LATENCY_MS: String(latency) },
      version: release.version,
      replicas,
      readinessProbe: { httpGet: { path: '/healthz' }, periodSeconds: 0.25 },
      terminationGracePeriodSeconds: 2,
    },
  };
}

function canary(fast: boolean) {
  return {
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Canary',
    metadata: { name: NAME, namespace: 'default' },
    spec: {
      targetRef: { apiVersion: 'serin.dev/v1beta1', kind: 'Workload', name: NAME },
      service: { port: 9898 },
      progressDeadlineSeconds: 60,
      analysis: {
        interval: fast ? '1s' : '3s',
        threshold: 2,
        // A loaded machine slows both versions: such rounds are environmental and only hold.
        unknownThreshold: 10,
        stepWeight: fast ? 25 : 20,
        maxWeight: fast ? 50 : 60,
        // v2 is judged against the primary, never against an absolute latency a loaded machine
        // can exceed (`request-duration max 250` once rolled back a healthy v2 at 952 ms): the
        // success rate is noise-guarded, and the judge compares errors and latency arm to arm.
        noiseGuard: true,
        metrics: [
          { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: fast ? '4s' : '10s' },
        ],
        judge: { alpha: 0.01 },
      },
    },
  };
}

const docs = (...items: unknown[]) => toYamlDocuments(items);

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function current(session: Session): Canary | undefined {
  return session.runtime.canaries()[0];
}

async function rollOut(
  session: Session,
  release: Release,
  replicas: number,
  timeoutMs: number,
  decisions: LocalEvent[],
  sharedDelayMs: number,
): Promise<StageResult> {
  const doc = workload(release, replicas, sharedDelayMs);
  const revision = workloadRevision(WorkloadDocument.parse(doc));
  const started = Date.now();
  const from = decisions.length;
  await session.runtime.apply([{ name: `${NAME}-${release.version}.yaml`, text: docs(doc) }]);
  const phase = await until(`the rollout of ${release.version} to finish`, timeoutMs, () => {
    const status = current(session)?.status;
    // The outcome is written with its intent first; the decision's events follow, then the intent clears.
    const done = (status?.phase === 'Succeeded' || status?.phase === 'Failed') && status.intent === undefined;
    return status?.lastAppliedSpec === revision && done ? status.phase : undefined;
  });
  return {
    release,
    phase,
    seconds: (Date.now() - started) / 1000,
    decisions: decisions.slice(from),
    ok: phase === release.expected,
  };
}

/** Asks the router which version answers now (after the demo, the primary: v2). */
async function servingVersion(routerUrl: string): Promise<string | undefined> {
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const res = await request(`${routerUrl}/`);
    const body = (await res.body.json()) as { version?: string };
    seen.add(`${body.version ?? '?'}:${res.statusCode}`);
  }
  return seen.size === 1 ? [...seen][0]?.split(':')[0] : [...seen].join(',');
}

/**
 * `serin demo`: v1 runs, load flows through the router, a healthy v2 is rolled out (and must be
 * promoted), then a faulty v3 (which must be rolled back). Everything real: processes, router,
 * metrics, engine.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const ownDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'serin-demo-'));
  const replicas = options.fast ? 1 : 2;
  const shared = options.sharedDelayMs ?? 0;
  const decisions: LocalEvent[] = [];
  const view = createView({ write: options.write, json: options.json, color: options.color });
  const onEvent = (event: RuntimeEvent) => {
    if (event.type === 'event' && event.event.reason !== 'Alert') decisions.push(event.event);
    view(event);
  };
  const session = await startSession({
    files: [],
    sources: [
      {
        name: 'demo.yaml',
        text: docs(workload(V1, replicas, shared), canary(options.fast)),
        baseDir: stateDir,
      },
    ],
    stateDir,
    routerPort: options.routerPort,
    apiPort: options.apiPort,
    watch: false,
    buildDashboard: options.buildDashboard,
    onEvent,
  });
  const info = session.info;
  const say = (text: string) => {
    if (!options.json) options.write(text);
  };
  say(
    [
      'serin demo: a real rollout on this machine (processes, router, metrics, engine)',
      `  router     ${info.router}/        (try: curl ${info.router}/)`,
      `  status     ${info.api}/api/local/status`,
      `  dashboard  ${info.dashboard}`,
      `  token      in ${info.tokenFile}`,
      '',
    ].join('\n'),
  );
  if (options.json)
    options.write(`${JSON.stringify({ type: 'started', time: new Date().toISOString(), ...info })}\n`);
  const stages: StageResult[] = [];
  let finalVersion: string | undefined;
  let load: ReturnType<typeof startLoad> | undefined;
  const timeoutMs = options.fast ? 60_000 : 120_000;
  try {
    await until('v1 to be initialized', timeoutMs, () =>
      current(session)?.status?.phase === 'Initialized' ? true : undefined,
    );
    // Traffic starts once v1 serves: from here on every request must get an answer.
    load = startLoad({ url: `${info.router}/`, ratePerSecond: 40, maxInFlight: 32, maxRequests: 20_000 });
    say(`\n== rolling out v2 (${V2.description})\n`);
    stages.push(await rollOut(session, V2, replicas, timeoutMs, decisions, shared));
    say(`\n== rolling out v3 (${V3.description})\n`);
    stages.push(await rollOut(session, V3, replicas, timeoutMs, decisions, shared));
    finalVersion = await servingVersion(info.router);
  } catch (error) {
    say(`\ndemo stopped: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    await load?.stop();
  }
  const stop = async (): Promise<void> => {
    await session.stop();
    if (ownDir) rmSync(stateDir, { recursive: true, force: true });
  };
  if (options.keep !== true) await stop();
  const ok = stages.length === 2 && stages.every((s) => s.ok) && finalVersion === 'v2';
  return {
    ok,
    stages,
    finalVersion,
    load: load?.stats ?? { sent: 0, byVersion: new Map(), failed: 0 },
    ...(options.keep === true ? { kept: { dashboard: info.dashboard, router: info.router, stop } } : {}),
  };
}

/** The closing summary: phases, durations and why each decision was taken. */
export function formatSummary(result: DemoResult): string {
  const lines = ['', 'Summary'];
  for (const stage of result.stages) {
    const outcome =
      stage.phase === 'Succeeded' ? 'promoted' : stage.phase === 'Failed' ? 'rolled back' : stage.phase;
    const mark = stage.ok ? 'as expected' : `UNEXPECTED (wanted ${stage.release.expected})`;
    lines.push(
      `  ${stage.release.version} (${stage.release.description}): ${outcome} in ${stage.seconds.toFixed(1)}s, ${mark}`,
    );
    for (const d of stage.decisions) {
      lines.push(`      ${d.time.slice(11, 19)}  ${d.reason}: ${d.message}`);
    }
  }
  const served = [...result.load.byVersion.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  lines.push(
    `  traffic: ${result.load.sent} requests through the router (${served}); ${result.load.failed} without a response`,
  );
  lines.push(`  now serving: ${result.finalVersion ?? 'unknown'}`);
  lines.push(
    result.ok
      ? 'Result: OK: v2 was promoted and v3 was rolled back automatically.'
      : 'Result: FAILED: the rollouts did not end as expected.',
  );
  return `${lines.join('\n')}\n`;
}
