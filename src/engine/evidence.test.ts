import { describe, expect, it } from 'vitest';
import { makeCanary } from './testing/fixtures.js';
import { isSettled, MemoryWorld, runUntil } from './testing/memory-world.js';
import type { JudgeVerdict } from './ports.js';

const judged = (judge: JudgeVerdict) => () => ({ checks: [], judge });
const continuing: JudgeVerdict = {
  verdict: 'continue',
  reason: 'no decision yet: errors Bayes factor 1.3 (fails at 40)',
  evidence: {},
  state: {},
};

async function started(world: MemoryWorld): Promise<MemoryWorld> {
  await world.tick();
  world.deploy('rev-2');
  return world;
}

describe('no evidence, no promotion', () => {
  it('a judge with no requests on either arm is unknown: no step, and the unknown budget rolls back', async () => {
    const world = await started(
      new MemoryWorld(makeCanary({ stepWeight: 50, threshold: 3 }), {
        metrics: judged({
          ...continuing,
          reason: 'waiting for 100 requests on each arm (canary 0, primary 0)',
          insufficient: 'no requests on the canary or the primary',
        }),
      }),
    );
    const trace = await runUntil(world, isSettled, 20);
    expect(Math.max(...trace.map((r) => r.canaryWeight))).toBeLessThanOrEqual(50);
    expect(world.calls).not.toContain('promote');
    expect(world.status.phase).toBe('Failed');
    expect(world.status.checks?.filter((c) => c.kind === 'judge').map((c) => c.verdict)).toEqual([
      'unknown',
      'unknown',
      'unknown',
    ]);
    expect(world.status.decisions?.at(-1)?.reason).toContain('could not measure the canary 3/3 times');
  });

  it('a continuing judge is recorded as continue: steps are taken, promotion waits for a pass', async () => {
    const world = await started(
      new MemoryWorld(makeCanary({ stepWeight: 50, maxWeight: 50 }), { metrics: judged(continuing) }),
    );
    const trace = await runUntil(world, isSettled, 10);
    expect(trace.at(-1)?.canaryWeight).toBe(50);
    expect(world.calls).not.toContain('promote');
    expect(world.status.phase).toBe('Progressing');
    const judgeChecks = world.status.checks?.filter((c) => c.kind === 'judge') ?? [];
    expect(judgeChecks.length).toBeGreaterThan(0);
    expect(judgeChecks.every((c) => c.verdict === 'continue')).toBe(true);
    expect(world.status.decisions?.at(-1)?.reason).toMatch(/promotion needs a passing check/);
    expect(world.status.unknownChecks ?? 0).toBe(0);
  });

  it('a continuing judge next to a passing metric promotes at maxWeight', async () => {
    const world = await started(
      new MemoryWorld(makeCanary({ stepWeight: 50, maxWeight: 50 }), {
        metrics: () => ({
          checks: [{ name: 'request-success-rate', kind: 'metric', verdict: 'pass', message: '100 >= 99' }],
          judge: continuing,
        }),
      }),
    );
    await runUntil(world, isSettled, 10);
    expect(world.status.phase).toBe('Succeeded');
  });

  it('a judge that passes early promotes', async () => {
    const world = await started(
      new MemoryWorld(makeCanary({ stepWeight: 10 }), {
        metrics: judged({ ...continuing, verdict: 'pass-early', reason: 'no regression beyond the margins' }),
      }),
    );
    await runUntil(world, isSettled, 10);
    expect(world.status.phase).toBe('Succeeded');
    expect(world.status.checks?.find((c) => c.kind === 'judge')?.verdict).toBe('pass');
  });

  it('an environmental failure holds and spends the unknown budget, never the failure budget', async () => {
    const world = await started(
      new MemoryWorld(makeCanary({ stepWeight: 10, threshold: 2, unknownThreshold: 3 }), {
        metrics: () => ({
          checks: [
            {
              name: 'request-duration',
              kind: 'metric',
              verdict: 'environmental',
              message: 'request-duration 952 above max 250, primary 948 alike',
            },
          ],
        }),
      }),
    );
    await runUntil(world, isSettled, 20);
    expect(world.status.failedChecks ?? 0).toBe(0);
    expect(world.status.phase).toBe('Failed');
    expect(world.status.decisions?.at(-1)?.reason).toContain('the primary fails the same checks 3/3 times');
  });
});
