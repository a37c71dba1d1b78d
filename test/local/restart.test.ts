import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/workloads/free-port.js';
import { alive, killRecorded, serinRun } from './serin-run.js';
import {
  canaryDoc,
  demoWorkload,
  nonOk,
  startTraffic,
  successRate,
  total,
  until,
  versionOf,
  yamlDocs,
} from './support.js';
import type { ChildProcess } from 'node:child_process';

const NAME = 'resilient';

const dir = mkdtempSync(join(tmpdir(), 'serin-restart-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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
  try {
    const dataplane = JSON.parse(readFileSync(join(dir, '.serin', 'dataplane.json'), 'utf8')) as {
      pid: number;
    };
    killRecorded([dataplane.pid]);
  } catch {
    // no data plane left behind
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('serin run survives kill -9 in the middle of a rollout', () => {
  it('resumes the rollout where it was and completes it', async () => {
    const manifest = join(dir, 'serin.yaml');
    const canary = canaryDoc(NAME, { stepWeight: 20, maxWeight: 80, metrics: [successRate(99)] });
    writeFileSync(manifest, yamlDocs(demoWorkload(NAME, 'v1'), canary));
    const [port, apiPort] = [await freePort(), await freePort()];
    const args = [
      '-f',
      manifest,
      '--port',
      String(port),
      '--api-port',
      String(apiPort),
      '--state-dir',
      join(dir, '.serin'),
    ];
    const router = `http://127.0.0.1:${port}/`;

    const first = serinRun(args);
    children.push(first.child);
    await until('initialization', () => first.lines.some((l) => l.canary?.phase === 'Initialized'), 60_000);
    const traffic = startTraffic(router);
    // Editing the manifest is a new revision, as changing a Deployment's image is.
    writeFileSync(manifest, yamlDocs(demoWorkload(NAME, 'v2'), canary));
    const before = await until(
      'the rollout to pass 40%',
      () =>
        first.lines.findLast((l) => l.canary?.phase === 'Progressing' && l.canary.canaryWeight >= 40)?.canary,
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${first.stderr()}\n${JSON.stringify(first.lines.slice(-5))}`);
    });
    const orphans = (
      JSON.parse(readFileSync(join(dir, '.serin', 'processes.json'), 'utf8')) as {
        processes: { pid: number }[];
      }
    ).processes.map((p) => p.pid);
    first.child.kill('SIGKILL');
    await until('the first instance to die', () =>
      first.child.exitCode !== null || first.child.signalCode !== null ? true : undefined,
    );
    expect(orphans.length).toBeGreaterThan(0);

    const second = serinRun(args);
    children.push(second.child);
    const resumed = await until(
      'the first status after the restart',
      () => second.lines.find((l) => l.canary)?.canary,
      60_000,
    );
    // It resumes at the weight it had reached (or further), not from zero and not from scratch.
    expect(resumed.phase).toMatch(/^(Progressing|Promoting|Finalising|Succeeded)$/);
    if (resumed.phase === 'Progressing')
      expect(resumed.canaryWeight).toBeGreaterThanOrEqual(before.canaryWeight);
    await until(
      'the rollout to complete',
      () => second.lines.some((l) => l.canary?.phase === 'Succeeded'),
      90_000,
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}\n${second.stderr()}\n${JSON.stringify(second.lines.slice(-12), null, 1)}`,
      );
    });
    expect(second.lines.some((l) => l.event?.reason === 'NewRevision')).toBe(false);
    // The processes the killed instance left behind were adopted and, once the promotion replaced
    // them, retired by the new one: none is left running.
    await until('the adopted replicas to be retired', () => orphans.every((pid) => !alive(pid)), 30_000);
    expect((await versionOf(router)).version).toBe('v2');
    await traffic.stop();
    // The router kept serving through the kill, the restart and the rest of the rollout.
    console.log(
      `kill -9 mid-rollout: requests ${total(traffic.counts) + traffic.errors.length}, failed ${nonOk(traffic.counts) + traffic.errors.length}`,
    );
    expect(traffic.errors).toEqual([]);
    expect(nonOk(traffic.counts)).toBe(0);

    second.child.kill('SIGTERM');
    await until(
      'a clean exit',
      () => (second.child.exitCode !== null ? second.child.exitCode : undefined),
      30_000,
    ).then((code) => {
      expect(code).toBe(0);
    });
    const left = JSON.parse(readFileSync(join(dir, '.serin', 'processes.json'), 'utf8')) as {
      processes: { pid: number }[];
    };
    expect(left.processes.filter((p) => alive(p.pid))).toEqual([]);
  }, 240_000);
});
