/**
 * Crash points against the real `serin run`: the process SIGKILLs itself at a named effect
 * boundary (the test fail point, src/engine/testing/fail-points.ts) in every phase of a promotion
 * behind a gate and of a rollback; a new process resumes from the state directory. After each
 * trial: the final phase and the served version agree with the status, every decision is recorded
 * once, and a real receiver heard each decision's event hooks, post-rollout hooks and alerts
 * exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryStatus } from '../../src/api/canary.js';
import { WorkloadDocument } from '../../src/api/workload.js';
import { ARMED_VALUE } from '../../src/engine/testing/fail-points.js';
import { freePort } from '../../src/local/workloads/free-port.js';
import { workloadRevision } from '../../src/local/workloads/revision.js';
import { SERIN_BIN } from '../support/cli.js';
import { canaryDoc, demoWorkload, until, versionOf, yamlDocs } from './support.js';

const NAME = 'crashy';

/** What a real receiver heard, per trial: hook calls and alerts, keyed by decision id. */
interface Heard {
  hooks: string[];
  alerts: string[];
  gateCalls: number;
}

const heard = new Map<string, Heard>();
let receiver: Server;
let receiverUrl = '';

function readBody(req: import('node:http').IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      resolve(text);
    });
  });
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    void readBody(req).then((text) => {
      const [, trial = '', what = ''] = (req.url ?? '').split('/');
      const log = heard.get(trial) ?? { hooks: [], alerts: [], gateCalls: 0 };
      heard.set(trial, log);
      const body = (text === '' ? {} : JSON.parse(text)) as { decisionId?: string };
      if (what === 'gate') {
        log.gateCalls += 1;
        res.writeHead(log.gateCalls > 2 ? 200 : 403).end(log.gateCalls > 2 ? 'Approved' : 'Forbidden');
        return;
      }
      if (what === 'check') {
        res.writeHead(500).end('the new version fails its acceptance test');
        return;
      }
      if (what === 'alert') log.alerts.push(body.decisionId ?? '?');
      else log.hooks.push(`${what} ${body.decisionId ?? '?'}`);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

interface Scenario {
  name: string;
  expectedPhase: 'Succeeded' | 'Failed';
  servedAfter: string;
  manifest(trial: string, version: string): string;
}

function manifest(trial: string, version: string, extraHooks: Record<string, unknown>[]): string {
  const hooks = [
    { name: 'notify', type: 'event', url: `${receiverUrl}/${trial}/event` },
    { name: 'cleanup', type: 'post-rollout', url: `${receiverUrl}/${trial}/post` },
    ...extraHooks,
  ];
  return yamlDocs(
    demoWorkload(NAME, version),
    canaryDoc(NAME, {
      stepWeight: 50,
      maxWeight: 50,
      threshold: 1,
      webhooks: hooks,
      alerts: [{ name: 'ops', severity: 'info', providerRef: { name: 'ops' } }],
    }),
    {
      apiVersion: 'serin.dev/v1beta1',
      kind: 'AlertProvider',
      metadata: { name: 'ops', namespace: 'default' },
      spec: { type: 'generic', address: `${receiverUrl}/${trial}/alert` },
    },
  );
}

const promotion: Scenario = {
  name: 'a promotion behind a confirm-promotion gate',
  expectedPhase: 'Succeeded',
  servedAfter: 'v2',
  manifest: (trial, version) =>
    manifest(trial, version, [
      { name: 'approve', type: 'confirm-promotion', url: `${receiverUrl}/${trial}/gate` },
    ]),
};
const rollback: Scenario = {
  name: 'a rollback of a revision that fails its checks',
  expectedPhase: 'Failed',
  servedAfter: 'v1',
  manifest: (trial, version) =>
    manifest(trial, version, [{ name: 'acceptance', type: 'rollout', url: `${receiverUrl}/${trial}/check` }]),
};

const revisionOf = (version: string) => workloadRevision(WorkloadDocument.parse(demoWorkload(NAME, version)));

interface Trial {
  status: CanaryStatus;
  restarts: number;
  events: { reason: string; id?: string }[];
  heard: Heard;
  served: string[];
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

function spawnRun(args: string[], env: Record<string, string>, log: string[]): ChildProcess {
  const child = spawn(process.execPath, [SERIN_BIN, 'run', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function readStatus(dir: string): CanaryStatus {
  const file = join(dir, '.serin', 'canaries', `default.${NAME}.json`);
  if (!existsSync(file)) return {};
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { status?: CanaryStatus }).status ?? {};
  } catch {
    return {};
  }
}

function killLeftovers(dir: string): void {
  try {
    const left = JSON.parse(readFileSync(join(dir, '.serin', 'processes.json'), 'utf8')) as {
      processes: { pid: number }[];
    };
    for (const p of left.processes) {
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // nothing left behind
  }
}

/** One run of a scenario; with a fail point, the first process kills itself there. */
async function runTrial(scenario: Scenario, trial: string, env: Record<string, string>): Promise<Trial> {
  const dir = mkdtempSync(join(tmpdir(), 'serin-crash-'));
  dirs.push(dir);
  const file = join(dir, 'serin.yaml');
  writeFileSync(file, scenario.manifest(trial, 'v1'));
  const [port, apiPort] = [await freePort(), await freePort()];
  const args = [
    '-f',
    file,
    '--port',
    String(port),
    '--api-port',
    String(apiPort),
    '--state-dir',
    join(dir, '.serin'),
  ];
  const log: string[] = [];
  let child = spawnRun(args, env, log);
  let restarts = 0;
  /** A process that killed itself is replaced by one without the fail point, as a supervisor would. */
  const supervise = () => {
    if (child.signalCode === 'SIGKILL') {
      restarts += 1;
      child = spawnRun(args, {}, log);
    } else if (child.exitCode !== null) {
      throw new Error(`serin run exited with ${child.exitCode}`);
    }
  };
  const v2 = revisionOf('v2');
  const explain = (error: unknown) => {
    throw new Error(
      `${trial}: ${String(error)}; status ${JSON.stringify(readStatus(dir))}\n${log.slice(-20).join('')}`,
    );
  };
  await until(
    'initialization',
    () => {
      supervise();
      return readStatus(dir).phase === 'Initialized' && !readStatus(dir).intent;
    },
    180_000,
  ).catch(explain);
  writeFileSync(file, scenario.manifest(trial, 'v2'));
  const status = await until(
    `the rollout to end (${trial})`,
    () => {
      supervise();
      const s = readStatus(dir);
      const done = (s.phase === 'Succeeded' || s.phase === 'Failed') && s.lastAppliedSpec === v2 && !s.intent;
      return done ? s : undefined;
    },
    120_000,
  ).catch(explain);
  // The post-rollout hook and the alert are the last effects: the intent is cleared after them.
  // A restarted `serin run` starts its replicas again before the router can answer (the data
  // plane does not yet outlive the control plane): wait for an answer, then every answer counts.
  const router = `http://127.0.0.1:${port}/`;
  await until('the router to answer', async () => (await versionOf(router)).status === 200, 60_000);
  const served: string[] = [];
  for (let i = 0; i < 5; i++) served.push((await versionOf(router)).version);
  child.kill('SIGTERM');
  await until(
    'a clean exit',
    () => (child.exitCode !== null || child.signalCode !== null ? true : undefined),
    30_000,
  );
  killLeftovers(dir);
  const events = readFileSync(join(dir, '.serin', 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { reason: string; id?: string; name: string })
    .filter((e) => e.name === NAME);
  return {
    status,
    restarts,
    events,
    heard: heard.get(trial) ?? { hooks: [], alerts: [], gateCalls: 0 },
    served,
  };
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) {
    killLeftovers(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  receiver.close();
});

const counts = (list: string[]) => {
  const map = new Map<string, number>();
  for (const x of list) map.set(x, (map.get(x) ?? 0) + 1);
  return map;
};

/** Everything a trial must show, whether or not it was killed. */
function checkExactlyOnce(scenario: Scenario, result: Trial, reference: Trial, where: string): number {
  const { status } = result;
  expect(status.phase, where).toBe(scenario.expectedPhase);
  expect(status.canaryWeight ?? 0, where).toBe(0);
  expect(new Set(result.served), where).toEqual(new Set([scenario.servedAfter]));
  const actions = (s: CanaryStatus) => (s.decisions ?? []).map((d) => d.action);
  expect(actions(status), where).toEqual(actions(reference.status));
  const ids = (status.decisions ?? []).map((d) => d.id ?? '?');
  expect(new Set(ids).size, where).toBe(ids.length);
  // Each decision's event recorded once, each hook and alert heard once at the receiver.
  const eventIds = result.events
    .filter((e) => e.reason !== 'Alert' && e.id !== undefined)
    .map((e) => e.id ?? '');
  const alertIds = result.events.filter((e) => e.reason === 'Alert').map((e) => e.id ?? '?');
  let duplicates = 0;
  for (const list of [eventIds, alertIds, result.heard.hooks, result.heard.alerts])
    for (const n of counts(list).values()) duplicates += n - 1;
  expect(duplicates, where).toBe(0);
  for (const id of ids) expect(eventIds, `${where}: event of decision ${id}`).toContain(id);
  const post = result.heard.hooks.filter((h) => h.startsWith('post '));
  expect(post, where).toHaveLength(1);
  expect(
    result.heard.hooks.filter((h) => h.startsWith('event ')),
    where,
  ).toHaveLength(ids.length);
  expect(result.heard.alerts.length, where).toBe(reference.heard.alerts.length);
  return duplicates;
}

/** Every boundary the reference run passed, as `<phase>/<boundary>/<k>`. */
function boundaries(trace: string): string[] {
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((l) => l.split('|')[1] ?? '');
}

/**
 * Where each trial kills `serin run`: in every phase, right after the intent is persisted and
 * before each kind of effect (routes, scaling, promotion, event, hook, alert). Every boundary of
 * every phase is killed at in the engine's own crash-point suite (src/engine/intent.test.ts);
 * here each kind is tried once per phase against the real process.
 */
const KILL_POINTS = {
  promotion: [
    'Initialized/before scale-down/1',
    'Initialized/before alert/1',
    'Progressing/after status-write/1',
    'Progressing/before scale-up/1',
    'Progressing/before routes/1',
    'WaitingPromotion/before event/1',
    'WaitingPromotion/before alert/1',
    'Promoting/before promote/1',
    'Promoting/before hook notify/1',
    'Finalising/before routes/1',
    'Succeeded/after status-write/1',
    'Succeeded/before scale-down/1',
    'Succeeded/before hook cleanup/1',
    'Succeeded/before alert/1',
  ],
  rollback: [
    'Progressing/before routes/1',
    'Failed/after status-write/1',
    'Failed/before routes/1',
    'Failed/before scale-down/1',
    'Failed/before event/1',
    'Failed/before hook cleanup/1',
    'Failed/before alert/1',
  ],
};

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

const figures = { points: 0, exact: 0, duplicates: 0 };

describe.each([promotion, rollback])('serin run killed at every effect boundary: $name', (scenario) => {
  it(
    'resumes exactly, and each decision is recorded, hooked and alerted once',
    { timeout: 1_500_000 },
    async () => {
      const tag = scenario === promotion ? 'p' : 'r';
      const trace = join(mkdtempSync(join(tmpdir(), 'serin-trace-')), 'trace');
      dirs.push(join(trace, '..'));
      const reference = await runTrial(scenario, `${tag}ref`, {
        SERIN_TEST_FAIL_POINTS: ARMED_VALUE,
        SERIN_TEST_FAIL_POINT_TRACE: trace,
      });
      expect(reference.restarts).toBe(0);
      checkExactlyOnce(scenario, reference, reference, 'reference');
      const points = scenario === promotion ? KILL_POINTS.promotion : KILL_POINTS.rollback;
      // Each kill point is a boundary the run passes.
      const passed = boundaries(trace);
      for (const point of points) expect(passed, point).toContain(point);
      let n = 0;
      await pool(points, 2, async (point) => {
        const trial = `${tag}${n++}`;
        const result = await runTrial(scenario, trial, {
          SERIN_TEST_FAIL_POINTS: ARMED_VALUE,
          SERIN_TEST_FAIL_POINT: point,
        });
        const where = `killed at ${point}`;
        figures.duplicates += checkExactlyOnce(scenario, result, reference, where);
        expect(result.restarts, where).toBe(1);
        figures.points += 1;
        figures.exact += 1;
      });
      console.log(
        `serin run crash points (${scenario.name}): ${points.length} kill points tried: ${points.join(', ')}`,
      );
    },
  );
});

describe('figures', () => {
  it('prints them', () => {
    console.log(
      `serin run crash points: ${figures.points} kill points tried, ${figures.exact} exact resumes, duplicates: ${figures.duplicates}`,
    );
    expect(figures.points).toBe(KILL_POINTS.promotion.length + KILL_POINTS.rollback.length);
    expect(figures.points).toBe(figures.exact);
  });
});
