import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  canaryDoc,
  demoWorkload,
  finalPhase,
  phaseIs,
  startLocal,
  startTraffic,
  successRate,
  until,
  versionOf,
  type LocalHarness,
} from './support.js';

const NAME = 'shop';
let h: LocalHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function started(analysis: Record<string, unknown>): Promise<LocalHarness> {
  h = await startLocal(demoWorkload(NAME, 'v1'), canaryDoc(NAME, analysis));
  await until('initialization', phaseIs(h, 'Initialized'));
  return h;
}

async function versions(url: string, n: number, headers: Record<string, string> = {}): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < n; i++) seen.push((await versionOf(url, headers)).version);
  return seen;
}

describe('release strategies in local mode', () => {
  it('A/B: only requests matching the header or the cookie reach the new version', async () => {
    const local = await started({
      iterations: 4,
      match: [
        { headers: { 'x-user': { exact: 'insider' } } },
        { headers: { cookie: { regex: '^(.*?;\\s*)?(canary=always)(;.*)?$' } } },
      ],
      metrics: [successRate(99)],
    });
    const insiders = startTraffic(`${local.router}/`, { headers: { 'x-user': 'insider' } });
    const revision = await local.apply(demoWorkload(NAME, 'v2'));
    await until('the canary to take matched traffic', async () =>
      (await versionOf(`${local.router}/`, { 'x-user': 'insider' })).version === 'v2' ? true : undefined,
    );
    expect(local.status().phase).toBe('Progressing');
    expect(await versions(`${local.router}/`, 10, { 'x-user': 'insider' })).toEqual(Array(10).fill('v2'));
    expect(await versions(`${local.router}/`, 10, { cookie: 'theme=dark; canary=always' })).toEqual(
      Array(10).fill('v2'),
    );
    expect(
      await versions(`${local.router}/`, 10, { 'x-user': 'someone-else', cookie: 'canary=never' }),
    ).toEqual(Array(10).fill('v1'));
    expect(await finalPhase(local, revision)).toBe('Succeeded');
    await insiders.stop();
    expect(await versions(`${local.router}/`, 5)).toEqual(Array(5).fill('v2'));
  });

  it('blue/green: the new version is tested on its own Service, then takes all traffic at once', async () => {
    const local = await started({ iterations: 3, metrics: [successRate(99)] });
    // The load test of the green copy goes to <svc>-canary, as Flagger's load tester does.
    const green = startTraffic(`${local.router}/`, { headers: { host: `${NAME}-canary` } });
    const revision = await local.apply(demoWorkload(NAME, 'v2'));
    await until('the green copy to serve', async () =>
      (await versionOf(`${local.router}/`, { host: `${NAME}-canary` })).version === 'v2' ? true : undefined,
    );
    // During the iterations, users still get blue.
    expect(await versions(`${local.router}/`, 10)).toEqual(Array(10).fill('v1'));
    expect(await finalPhase(local, revision)).toBe('Succeeded');
    await green.stop();
    expect(green.counts.get('v2 200') ?? 0).toBeGreaterThan(0);
    expect(await versions(`${local.router}/`, 5)).toEqual(Array(5).fill('v2'));
  });

  it('mirroring: the new version receives a copy of live traffic, users only see the old one', async () => {
    const local = await started({ iterations: 3, mirror: true, metrics: [successRate(99)] });
    const users = startTraffic(`${local.router}/`);
    const revision = await local.apply(demoWorkload(NAME, 'v2'));
    await until('mirroring to start', () => (local.status().mirrored === true ? true : undefined));
    const port = await until(
      'the canary endpoint',
      () => local.session.runtime.workloads.endpoints(local.canary()).canary[0]?.port,
    );
    const served = async () => {
      const res = await request(`http://127.0.0.1:${port}/stats`);
      return ((await res.body.json()) as { served: number }).served;
    };
    const before = await served();
    await until('mirrored requests to reach the canary', async () =>
      (await served()) > before + 5 ? true : undefined,
    );
    expect(local.status().phase).toBe('Progressing');
    const seenByUsers = new Map(users.counts);
    expect([...seenByUsers.keys()]).toEqual(['v1 200']);
    expect(await finalPhase(local, revision)).toBe('Succeeded');
    await users.stop();
    expect(users.errors).toEqual([]);
  });

  it('session affinity: a user who landed on the canary stays there', async () => {
    const local = await started({
      stepWeight: 50,
      maxWeight: 50,
      sessionAffinity: { cookieName: 'serin-canary', maxAge: 120 },
      metrics: [successRate(99)],
    });
    const traffic = startTraffic(`${local.router}/`);
    const revision = await local.apply(demoWorkload(NAME, 'v2'));
    await until('weight 50%', () => (local.status().canaryWeight === 50 ? true : undefined));
    // Hold the rollout at 50% while we look (the local API's pause, applied by the engine).
    local.session.runtime.command('default', NAME, { type: 'pause' }, 'test');
    await until('the pause', () => (local.status().paused === true ? true : undefined));
    const landed = await until('a request that lands on the canary', async () => {
      const r = await versionOf(`${local.router}/`);
      return r.version === 'v2' ? r : undefined;
    });
    const cookie = landed.setCookie.find((c) => c.startsWith('serin-canary='))?.split(';')[0];
    expect(cookie).toMatch(/^serin-canary=[A-Za-z]{10}$/);
    expect(await versions(`${local.router}/`, 20, { cookie: cookie! })).toEqual(Array(20).fill('v2'));
    local.session.runtime.command('default', NAME, { type: 'resume' }, 'test');
    expect(await finalPhase(local, revision)).toBe('Succeeded');
    await traffic.stop();
  });
});
