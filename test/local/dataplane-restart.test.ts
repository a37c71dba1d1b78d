import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/workloads/free-port.js';
import { alive, killRecorded, serinRun, type SerinRun } from './serin-run.js';
import { canaryDoc, demoWorkload, successRate, until, yamlDocs } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'serin-dataplane-'));
const stateDir = join(dir, '.serin');
const runs: SerinRun[] = [];
const REQUESTS = 2000;

const recordedPids = (): number[] => {
  try {
    const file = JSON.parse(readFileSync(join(stateDir, 'processes.json'), 'utf8')) as {
      processes: { pid: number }[];
    };
    return file.processes.map((p) => p.pid);
  } catch {
    return [];
  }
};

const dataplanePid = (): number | undefined => {
  try {
    return (JSON.parse(readFileSync(join(stateDir, 'dataplane.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
};

afterAll(() => {
  for (const run of runs)
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  const dp = dataplanePid();
  killRecorded([...recordedPids(), ...(dp === undefined ? [] : [dp])]);
  rmSync(dir, { recursive: true, force: true });
});

interface HeyResult {
  codes: Map<number, number>;
  errors: string[];
  output: string;
}

/** `hey` with a fixed request count and rate (4 workers × 40/s), against 127.0.0.1 only. */
function hey(url: string, requests: number): { done: Promise<HeyResult>; child: ChildProcess } {
  const child = spawn('hey', ['-n', String(requests), '-c', '4', '-q', '40', '-t', '20', url], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<HeyResult>((resolve) => {
    child.once('exit', () => {
      const codes = new Map<number, number>();
      for (const m of output.matchAll(/\[(\d{3})\]\s+(\d+) responses/g))
        codes.set(Number(m[1]), Number(m[2]));
      const errorPart = output.split('Error distribution:')[1] ?? '';
      const errors = errorPart
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('['));
      resolve({ codes, errors, output });
    });
  });
  return { done, child };
}

/** Two replicas, so one of them can go while the other serves. */
function writeManifest(): string {
  const manifest = join(dir, 'serin.yaml');
  const workload = demoWorkload('steady', 'v1');
  workload.spec.replicas = 2;
  writeFileSync(
    manifest,
    yamlDocs(workload, canaryDoc('steady', { stepWeight: 20, metrics: [successRate(99)] })),
  );
  return manifest;
}

const started = (run: SerinRun, reason: string) =>
  until(`the event ${reason}`, () => run.lines.find((l) => l.event?.reason === reason)?.event, 60_000).catch(
    (error: unknown) => {
      throw new Error(`${String(error)}\n${run.stderr()}\n${JSON.stringify(run.lines.slice(-6))}`);
    },
  );

describe('restarting serin run: the data plane outlives the control plane', () => {
  it('a kill -9 and a restart under load drop zero requests, and the replicas are adopted, not restarted', async () => {
    const manifest = writeManifest();
    const [port, apiPort] = [await freePort(), await freePort()];
    const args = [
      '-f',
      manifest,
      '--port',
      String(port),
      '--api-port',
      String(apiPort),
      '--state-dir',
      stateDir,
    ];

    const first = serinRun(args);
    runs.push(first);
    await until('initialization', () => first.lines.some((l) => l.canary?.phase === 'Initialized'), 90_000);
    const replicasBefore = recordedPids().sort();
    const dataplaneBefore = dataplanePid();
    expect(replicasBefore).toHaveLength(2);
    expect(dataplaneBefore).toBeDefined();

    const load = hey(`http://127.0.0.1:${port}/`, REQUESTS);
    // Some traffic flows through the first instance's configuration before it is killed.
    await new Promise((r) => setTimeout(r, 1500));
    first.child.kill('SIGKILL');
    await first.exited;
    const second = serinRun(args);
    runs.push(second);
    const adoptedDataplane = await started(second, 'DataplaneAdopted');
    await started(second, 'Adopted');
    const result = await load.done;
    await until('the second instance to be up', () => second.lines.some((l) => l.type === 'started'), 60_000);

    // hey groups errors as `[count]\tmessage`.
    const errorCount = result.errors.reduce((n, line) => n + Number(/^\[(\d+)\]/.exec(line)?.[1] ?? 1), 0);
    const sent = [...result.codes.values()].reduce((a, b) => a + b, 0) + errorCount;
    const failed = sent - (result.codes.get(200) ?? 0);
    console.log(
      `serin run kill -9 + restart under hey: requests sent: ${REQUESTS}, answered 200: ${result.codes.get(200) ?? 0}, failed: ${failed}`,
    );
    expect(result.errors, result.output).toEqual([]);
    expect(result.codes.get(200), result.output).toBe(REQUESTS);
    expect(adoptedDataplane.message).toContain(`pid ${dataplaneBefore}`);
    // The same processes go on serving: adopted, neither reaped nor started again.
    expect(dataplanePid()).toBe(dataplaneBefore);
    expect(recordedPids().sort()).toEqual(replicasBefore);
    expect(second.lines.some((l) => l.event?.reason === 'Restarted')).toBe(false);

    // A shutdown still stops everything the instance owns, adopted or not.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const owned = [...replicasBefore, dataplaneBefore ?? -1];
    await until('every owned process to be gone', () => owned.every((pid) => !alive(pid)), 30_000);
    expect(recordedPids()).toEqual([]);
    expect(dataplanePid()).toBeUndefined();
  }, 300_000);

  it('after a crash, a start on another port replaces the old data plane instead of leaving it behind', async () => {
    const manifest = writeManifest();
    const [port, apiPort, otherPort, otherApi] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const first = serinRun([
      '-f',
      manifest,
      '--port',
      String(port),
      '--api-port',
      String(apiPort),
      '--state-dir',
      stateDir,
    ]);
    runs.push(first);
    await until('initialization', () => first.lines.some((l) => l.canary?.phase === 'Initialized'), 90_000);
    const oldDataplane = dataplanePid();
    const replicas = recordedPids().sort();
    first.child.kill('SIGKILL');
    await first.exited;
    expect(oldDataplane !== undefined && alive(oldDataplane)).toBe(true);

    const second = serinRun([
      '-f',
      manifest,
      '--port',
      String(otherPort),
      '--api-port',
      String(otherApi),
      '--state-dir',
      stateDir,
    ]);
    runs.push(second);
    await started(second, 'DataplaneReplaced');
    await started(second, 'Adopted');
    await until('the second instance to be up', () => second.lines.some((l) => l.type === 'started'), 60_000);
    await until(
      'the old data plane to be gone',
      () => oldDataplane !== undefined && !alive(oldDataplane),
      30_000,
    );
    expect(dataplanePid()).not.toBe(oldDataplane);
    // The replicas themselves did not depend on the port: they were adopted.
    expect(recordedPids().sort()).toEqual(replicas);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await until('every process to be gone', () => replicas.every((pid) => !alive(pid)), 30_000);
  }, 300_000);
});
