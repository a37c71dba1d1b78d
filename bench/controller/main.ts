/**
 * Scale benchmark: N Canaries (default 1,000) in one controller against the test API server
 * (running in a child process). Reports the time to initialize all of them, the controller's
 * memory, tick latency p50/p99 over the idle period, and API requests per idle Canary per
 * interval (the goal for writes is zero: an idle Canary must not write).
 *
 *   npx tsx bench/controller/main.ts [--canaries 1000] [--interval 10] [--idle-intervals 3]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { kubeConfigFor } from '../../test/apiserver/index.js';

const { values } = parseArgs({
  options: {
    canaries: { type: 'string', default: '1000' },
    interval: { type: 'string', default: '10' },
    'idle-intervals': { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
  },
});
const N = Number(values.canaries);
const intervalS = Number(values.interval);
const idleIntervals = Number(values['idle-intervals']);
const NS = 'bench';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function startServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'apiserver.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (c: Buffer) => {
      resolve(c.toString().trim());
    });
    child.once('exit', (code) => {
      reject(new Error(`API server exited with ${code}`));
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function createFixtures(client: KubeClient): Promise<void> {
  await client.create(Resources.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const batch = 50;
  for (let i = 0; i < N; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, N - i) }, async (_, k) => {
        const name = `app-${i + k}`;
        await client.create(Resources.deployment, {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace: NS },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: name } },
            template: {
              metadata: { labels: { app: name } },
              spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
            },
          },
        });
        await client.create(Resources.serinCanary, {
          apiVersion: 'serin.dev/v1beta1',
          kind: 'Canary',
          metadata: { name, namespace: NS },
          spec: {
            targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
            service: { port: 80 },
            analysis: { interval: `${intervalS}s`, threshold: 2, stepWeight: 50 },
          },
        });
      }),
    );
  }
}

async function countPhase(client: KubeClient, phase: string): Promise<number> {
  const list = await client.list(Resources.serinCanary, NS);
  return list.items.filter((c) => (c.status as { phase?: string } | undefined)?.phase === phase).length;
}

const server = await startServer();
try {
  const kubeConfig = kubeConfigFor({ url: server.url });
  const setup = new KubeClient(kubeConfig);
  await createFixtures(setup);
  const baseline = process.memoryUsage();
  const ticks: { ms: number; changed: boolean; at: number }[] = [];
  const runtime = new ControllerRuntime({
    kubeConfig,
    namespace: NS,
    logger: pino({ level: 'silent' }),
    concurrency: Number(values.concurrency),
    onTick: (ms, changed) => ticks.push({ ms, changed, at: Date.now() }),
  });
  const started = Date.now();
  await runtime.start();
  for (;;) {
    const done = await countPhase(setup, 'Initialized');
    if (done === N) break;
    if (Date.now() - started > 30 * 60_000)
      throw new Error(`only ${done} of ${N} initialized after 30 minutes`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const initSeconds = (Date.now() - started) / 1000;
  // Settle one interval, then measure idle ticks.
  await new Promise((r) => setTimeout(r, intervalS * 1000));
  const before = { ...runtime.client.counters };
  const idleStart = Date.now();
  await new Promise((r) => setTimeout(r, idleIntervals * intervalS * 1000));
  const after = { ...runtime.client.counters };
  const idle = ticks
    .filter((t) => t.at >= idleStart)
    .map((t) => t.ms)
    .sort((a, b) => a - b);
  global.gc?.();
  const mem = process.memoryUsage();
  const perCanaryInterval = (n: number) => n / (N * idleIntervals);
  const result = {
    canaries: N,
    intervalSeconds: intervalS,
    initializeAllSeconds: Number(initSeconds.toFixed(1)),
    rssMiB: Number((mem.rss / 2 ** 20).toFixed(1)),
    heapUsedMiB: Number((mem.heapUsed / 2 ** 20).toFixed(1)),
    heapPerCanaryKiB: Number(((mem.heapUsed - baseline.heapUsed) / 1024 / N).toFixed(1)),
    idleTicks: idle.length,
    tickP50Ms: Number(percentile(idle, 50).toFixed(1)),
    tickP99Ms: Number(percentile(idle, 99).toFixed(1)),
    idleWritesPerCanaryPerInterval: perCanaryInterval(after.writes - before.writes),
    idleReadsPerCanaryPerInterval: Number(perCanaryInterval(after.reads - before.reads).toFixed(2)),
    statusChangesWhileIdle: ticks.filter((t) => t.at >= idleStart && t.changed).length,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await runtime.stop();
} finally {
  server.stop();
}
