import { describe, expect, it } from 'vitest';
import { makeCanary } from './testing/fixtures.js';
import { MemoryWorld } from './testing/memory-world.js';

const MINUTE = 60_000;

/** Initializes, deploys rev-2, starts the run and takes the first step to 10%. */
async function atTenPercent(world: MemoryWorld): Promise<MemoryWorld> {
  await world.tick();
  world.deploy('rev-2');
  await world.tick();
  await world.tick();
  expect(world.routes.canaryWeight).toBe(10);
  return world;
}

describe('pacing: one step per interval of evidence', () => {
  it('four ticks at the same instant after one interval take one step, not four', async () => {
    const world = await atTenPercent(new MemoryWorld(makeCanary({ stepWeight: 10 })));
    const weights: number[] = [];
    for (let i = 0; i < 4; i++) {
      await world.tickNow();
      weights.push(world.routes.canaryWeight);
    }
    expect(weights).toEqual([20, 20, 20, 20]);
  });

  it('commands and early ticks inside an interval apply at once but never buy a step', async () => {
    const world = await atTenPercent(new MemoryWorld(makeCanary({ stepWeight: 10 })));
    await world.tickNow(); // the interval since 10% is complete: one step
    expect(world.routes.canaryWeight).toBe(20);
    world.wait(MINUTE / 2);
    await world.tickNow([{ id: 'p', action: { type: 'pause' } }]);
    expect(world.status.paused).toBe(true);
    await world.tickNow([{ id: 'r', action: { type: 'resume' } }]);
    expect(world.status.paused).toBeUndefined();
    world.wait(MINUTE / 2 - 1);
    await world.tickNow();
    expect(world.routes.canaryWeight).toBe(20);
    expect(world.evaluations).toBe(1);
    world.wait(1);
    await world.tickNow();
    expect(world.routes.canaryWeight).toBe(30);
  });

  it('a weight set by command starts a new evidence window', async () => {
    const world = await atTenPercent(new MemoryWorld(makeCanary({ stepWeight: 10 })));
    await world.tickNow([{ id: 'w', action: { type: 'set-weight', weight: 50 } }]);
    expect(world.routes.canaryWeight).toBe(50);
    world.wait(MINUTE - 1);
    await world.tickNow();
    expect(world.routes.canaryWeight).toBe(50);
    world.wait(1);
    await world.tickNow();
    expect(world.routes.canaryWeight).toBe(60);
  });

  it('failed checks are counted once per interval, however often the engine ticks', async () => {
    const world = await atTenPercent(
      new MemoryWorld(makeCanary({ stepWeight: 10, threshold: 3 }), {
        metrics: () => ({ checks: [{ name: 'm', kind: 'metric', verdict: 'fail', message: 'bad' }] }),
      }),
    );
    for (let i = 0; i < 5; i++) await world.tickNow();
    expect(world.status.failedChecks).toBe(1);
    expect(world.status.phase).toBe('Progressing');
  });

  it('blue/green counts one iteration per interval of evidence', async () => {
    const world = new MemoryWorld(makeCanary({ iterations: 3 }));
    await world.tick();
    world.deploy('rev-2');
    await world.tick();
    for (let i = 0; i < 4; i++) await world.tickNow();
    expect(world.status.iterations).toBe(1);
  });

  it('a closed gate holds without resetting the window: opening it advances at once on fresh checks', async () => {
    let open = true;
    const world = await atTenPercent(
      new MemoryWorld(
        makeCanary({
          stepWeight: 10,
          webhooks: [{ name: 'approve', type: 'confirm-traffic-increase', url: 'http://gate/approve' }],
        }),
        {
          webhooks: (hook) =>
            hook.type === 'confirm-traffic-increase'
              ? { ok: open, status: open ? 200 : 403, message: open ? 'open' : 'closed' }
              : { ok: hook.type !== 'rollback', message: 'ok' },
        },
      ),
    );
    open = false;
    await world.tickNow();
    expect(world.routes.canaryWeight).toBe(10);
    expect(world.status.waitingFor).toBe('confirm-traffic-increase');
    world.wait(MINUTE / 4);
    open = true;
    await world.tickNow();
    expect(world.routes.canaryWeight).toBe(20);
    await world.tickNow();
    expect(world.routes.canaryWeight).toBe(20);
  });
});
