import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSameProcess, processIdentity } from './process-identity.js';
import { ProcessRegistry } from './process-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'serin-registry-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A real `node` process in its own group, as replicas are, that runs until it is signalled. */
async function sleeper(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    detached: true,
    stdio: 'ignore',
  });
  children.push(child);
  await new Promise((done) => child.once('spawn', done));
  if (child.pid === undefined) throw new Error('no pid');
  return child as ChildProcess & { pid: number };
}

const alive = (child: ChildProcess) =>
  new Promise<boolean>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      done(false);
      return;
    }
    const timer = setTimeout(() => {
      done(true);
    }, 500);
    child.once('exit', () => {
      clearTimeout(timer);
      done(false);
    });
  });

describe('process identity', () => {
  it('reads argv and the start time in clock ticks from /proc, as ps does', async () => {
    const child = await sleeper();
    const identity = processIdentity(child.pid);
    expect(identity?.argv).toEqual([process.execPath, '-e', 'setInterval(() => {}, 1000)']);
    // Field 22 of /proc/<pid>/stat, counted after the parenthesised command name.
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(identity?.startTime).toBe(Number(after[19]));
    expect(identity && isSameProcess(identity)).toBe(true);
    expect(processIdentity(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('the process registry after a crash', () => {
  it('never signals a pid whose start time differs from the record: a recycled pid is left alone', async () => {
    const child = await sleeper();
    const live = processIdentity(child.pid);
    if (live === undefined) throw new Error('the sleeper is not visible in /proc');
    const file = join(dir, 'recycled.json');
    // What a previous instance wrote for a process that has since exited and whose pid now belongs
    // to another `node` with the same argv: only the start time tells them apart.
    writeFileSync(
      file,
      JSON.stringify({
        processes: [
          { pid: live.pid, executable: live.argv[0], argv: live.argv, startTime: live.startTime - 1 },
        ],
      }),
    );
    const registry = new ProcessRegistry(file);
    expect(registry.reapStale()).toBe(0);
    expect(await alive(child)).toBe(true);
    expect(registry.recorded()).toEqual([]);
  });

  it('leaves records without a start time alone (they cannot be told from a recycled pid)', async () => {
    const child = await sleeper();
    const file = join(dir, 'old-format.json');
    writeFileSync(file, JSON.stringify({ processes: [{ pid: child.pid, executable: process.execPath }] }));
    expect(new ProcessRegistry(file).reapStale()).toBe(0);
    expect(await alive(child)).toBe(true);
  });

  it('stops a process that is still the one recorded, and forgets it', async () => {
    const child = await sleeper();
    const file = join(dir, 'same.json');
    const first = new ProcessRegistry(file);
    const role = { kind: 'replica', group: 'web-primary', revision: 'abc', index: 0, port: 8081 } as const;
    first.started(child.pid, role);
    const next = new ProcessRegistry(file);
    const inherited = next.inherit();
    expect(inherited.map((p) => [p.pid, p.role])).toEqual([[child.pid, role]]);
    expect(next.reap(inherited)).toBe(1);
    expect(await alive(child)).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ processes: [] });
  });
});
