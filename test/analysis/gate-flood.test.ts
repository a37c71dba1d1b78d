/**
 * The gate and load-task server under a flood of unauthenticated `POST /`, sent by a real `hey`
 * against the real `serin gates` process: a task over the limits is refused, tasks within them run
 * bounded, `/healthz` keeps answering, memory stays bounded and SIGTERM ends the process promptly
 * even with a long load task running.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIN_BIN } from '../support/cli.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'serin-gate-flood-'));
let child: ChildProcess;
let url = '';

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

/** Runs hey POSTing `body` to the server's task endpoint; returns the count per status code. */
async function flood(body: unknown, seconds: number, workers: number): Promise<Record<string, number>> {
  const args = ['-z', `${seconds}s`, '-c', String(workers), '-m', 'POST', '-T', 'application/json'];
  const { stdout } = await run('hey', [...args, '-d', JSON.stringify(body), `${url}/`], {
    maxBuffer: 16 << 20,
  });
  const codes: Record<string, number> = {};
  for (const m of stdout.matchAll(/\[(\d{3})\]\s+(\d+) responses/g)) codes[m[1] ?? ''] = Number(m[2]);
  return codes;
}

/** Probes /healthz over and over while `work` runs; every probe must be answered. */
async function healthWhile<T>(work: Promise<T>): Promise<{ result: T; probes: number; failed: number }> {
  const state = { done: false };
  let probes = 0;
  let failed = 0;
  const probing = (async () => {
    while (!state.done) {
      probes += 1;
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(20_000) });
        if (res.status !== 200) failed += 1;
      } catch {
        failed += 1;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const result = await work;
  state.done = true;
  await probing;
  return { result, probes, failed };
}

const task = (cmd: string, name = 'web') => ({ name, namespace: 'test', metadata: { type: 'cmd', cmd } });

beforeAll(async () => {
  child = spawn(process.execPath, [SERIN_BIN, 'gates', '--port', '0', '--state-dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => {
      reject(new Error(`serin gates exited with ${String(code)}: ${out}`));
    });
  });
}, 180_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('serin gates under a flood of load tasks', () => {
  it('refuses a task over the limits, stays healthy, bounds memory and exits promptly on SIGTERM', async () => {
    const pid = child.pid ?? 0;
    const rssBefore = rssMiB(pid);

    // The measured attack: one task asking for 20,000 workers against a closed port.
    const huge = await healthWhile(flood(task('hey -z 5s -c 20000 http://127.0.0.1:1/'), 5, 200));
    expect(huge.failed).toBe(0);
    expect(huge.probes).toBeGreaterThan(0);
    expect(Object.keys(huge.result)).toEqual(['400']);

    // Tasks within the limits run, paced, while the flood keeps arriving: still healthy.
    const within = await healthWhile(flood(task('hey -z 10m -c 100 http://127.0.0.1:1/'), 5, 200));
    expect(within.failed).toBe(0);
    expect(Object.keys(within.result)).toEqual(['202']);
    const tasks = (await (await fetch(`${url}/tasks`)).json()) as { running: { command: string }[] };
    expect(tasks.running.map((t) => t.command)).toEqual(['hey -z 10m -c 100 http://127.0.0.1:1/']);

    // Four tasks at most; the fifth is told to come back later. A foreign target needs the token.
    const post = (body: unknown) =>
      fetch(`${url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const statuses = [];
    for (const name of ['a', 'b', 'c', 'd'])
      statuses.push((await post(task('hey -z 10m -c 2 -q 1 http://x/', name))).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const foreign = await post(task('hey -z 1m -c 1 http://evil.example/', 'e'));
    expect(foreign.status).toBe(403);

    expect(rssMiB(pid) - rssBefore).toBeLessThan(150);

    // Kubernetes kills after 30 s: with ten-minute tasks running, SIGTERM must end the process well before.
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<string>((r) =>
        setTimeout(() => {
          r('still running after 20 s');
        }, 20_000),
      ),
    ]);
    expect(code).toBe(0);
  }, 300_000);
});
