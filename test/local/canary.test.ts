import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canaryDoc,
  demoWorkload,
  duration,
  finalPhase,
  metricWindowPasses,
  nonOk,
  phaseIs,
  startLocal,
  startTraffic,
  successRate,
  total,
  until,
  versionOf,
  type LocalHarness,
} from './support.js';

const NAME = 'web';
const analysis = { stepWeight: 50, maxWeight: 50, metrics: [successRate(99), duration(200)] };

describe('progressive canary in local mode (real processes, router and metrics)', () => {
  let h: LocalHarness;

  beforeAll(async () => {
    h = await startLocal(demoWorkload(NAME, 'v1'), canaryDoc(NAME, analysis));
    await until('initialization', phaseIs(h, 'Initialized'));
  });
  afterAll(async () => {
    await h.close();
  });

  it('promotes a healthy revision without dropping a single request', async () => {
    const traffic = startTraffic(`${h.router}/`);
    const revision = await h.apply(demoWorkload(NAME, 'v2'));
    const phase = await finalPhase(h, revision);
    // Traffic keeps flowing across the promotion switch and the old primary's shutdown.
    await new Promise((r) => setTimeout(r, 1500));
    await traffic.stop();
    expect(phase).toBe('Succeeded');
    expect(traffic.errors).toEqual([]);
    expect(nonOk(traffic.counts)).toBe(0);
    expect(traffic.counts.get('v2 200') ?? 0).toBeGreaterThan(0);
    expect(total(traffic.counts)).toBeGreaterThan(50);
    const decisions = h.status().decisions?.map((d) => d.action) ?? [];
    expect(decisions).toEqual(expect.arrayContaining(['NewRevision', 'Advance', 'Promote', 'Succeeded']));
    for (let i = 0; i < 5; i++) expect((await versionOf(`${h.router}/`)).version).toBe('v2');
  });

  it('rolls back a revision that answers with errors, and the primary keeps serving', async () => {
    await metricWindowPasses();
    const traffic = startTraffic(`${h.router}/`);
    const revision = await h.apply(demoWorkload(NAME, 'v3', { ERROR_RATE: '0.5' }));
    const phase = await finalPhase(h, revision);
    await traffic.stop();
    expect(phase).toBe('Failed');
    expect(traffic.counts.get('v3 500') ?? 0).toBeGreaterThan(0);
    const reason = h.status().decisions?.findLast((d) => d.action === 'Rollback')?.reason ?? '';
    expect(reason).toMatch(/request-success-rate/);
    for (let i = 0; i < 5; i++)
      expect(await versionOf(`${h.router}/`)).toMatchObject({ version: 'v2', status: 200 });
  });

  it('rolls back a revision that is too slow', async () => {
    await metricWindowPasses();
    const traffic = startTraffic(`${h.router}/`);
    const revision = await h.apply(demoWorkload(NAME, 'v4', { LATENCY_MS: '400' }));
    const phase = await finalPhase(h, revision);
    await traffic.stop();
    expect(phase).toBe('Failed');
    const reason = h.status().decisions?.findLast((d) => d.action === 'Rollback')?.reason ?? '';
    expect(reason).toMatch(/request-duration/);
    expect(reason).not.toMatch(/request-success-rate/);
    expect((await versionOf(`${h.router}/`)).version).toBe('v2');
  });
});
