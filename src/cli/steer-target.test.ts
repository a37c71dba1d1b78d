import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from './program.js';
import { chooseTarget } from './steer-target.js';

let dir: string;
let notes: string[];
const savedKubeconfig = process.env.KUBECONFIG;

function writeRun(pid: number): void {
  mkdirSync(join(dir, '.serin'), { recursive: true });
  writeFileSync(
    join(dir, '.serin', 'run.json'),
    JSON.stringify({ pid, api: 'http://127.0.0.1:7777', tokenFile: join(dir, '.serin', 'token') }),
  );
}

const choose = (flags: Parameters<typeof chooseTarget>[0]) =>
  chooseTarget(flags, { cwd: dir, note: (line) => notes.push(line) });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'serin-target-'));
  notes = [];
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');
  process.env.KUBECONFIG = kubeconfig;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
});

describe('which Serin a steering command talks to', () => {
  it('a live run in ./.serin wins over the kubeconfig, and a note says how to pick the cluster', () => {
    writeRun(process.pid);
    expect(choose({})).toEqual({
      platform: 'local',
      api: 'http://127.0.0.1:7777',
      tokenFile: join(dir, '.serin', 'token'),
      namespace: 'default',
    });
    expect(notes).toEqual([
      `note: using the local run in .serin/ (pid ${process.pid}, http://127.0.0.1:7777); pass --context or --kubeconfig to use the cluster`,
    ]);
  });

  it('no note when there is no kubeconfig to choose instead', () => {
    writeRun(process.pid);
    process.env.KUBECONFIG = join(dir, 'absent');
    expect(choose({}).platform).toBe('local');
    expect(notes).toEqual([]);
  });

  it('a run.json whose process is gone (kill -9) is no running instance: the cluster is used', () => {
    writeRun(2 ** 22 + 12345); // above Linux's pid_max: never a live process
    expect(choose({})).toEqual({ platform: 'cluster', flags: {} });
  });

  it('--context or --kubeconfig choose the cluster even next to a live run', () => {
    writeRun(process.pid);
    expect(choose({ context: 'kind-serin' })).toEqual({
      platform: 'cluster',
      flags: { context: 'kind-serin' },
    });
    expect(notes).toEqual([]);
  });

  it('--state-dir and --api choose the local run; --api with --token-file needs no state directory', () => {
    writeRun(process.pid);
    expect(choose({ stateDir: join(dir, '.serin'), namespace: 'shop' })).toMatchObject({
      platform: 'local',
      namespace: 'shop',
    });
    expect(choose({ api: 'http://127.0.0.1:9/', tokenFile: '/t' })).toEqual({
      platform: 'local',
      api: 'http://127.0.0.1:9',
      tokenFile: '/t',
      namespace: 'default',
    });
  });

  it('refuses a local flag with a cluster flag, and --local without a run', () => {
    expect(() => choose({ local: true, context: 'x' })).toThrow(UsageError);
    expect(() => choose({ tokenFile: '/t', kubeconfig: '/k' })).toThrow(/--token-file is for a local run/);
    expect(() => choose({ stateDir: join(dir, 'none') })).toThrow(/no running `serin run` found/);
  });
});
