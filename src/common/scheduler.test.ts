import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Limiter, TickScheduler } from './scheduler.js';

/** A tick the test releases by hand, recording when each one started (fake time). */
function controlledTick() {
  const starts: number[] = [];
  let active = 0;
  let maxActive = 0;
  const pending: (() => void)[] = [];
  let due: number | undefined;
  const tick = async (): Promise<number | undefined> => {
    starts.push(Date.now());
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>((resolve) => pending.push(resolve));
    active--;
    return due;
  };
  return {
    tick,
    starts,
    get maxActive() {
      return maxActive;
    },
    get pending() {
      return pending.length;
    },
    setDue(at: number | undefined) {
      due = at;
    },
    /** Ends the oldest running tick and lets the scheduler react. */
    async finish() {
      pending.shift()?.();
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TickScheduler', () => {
  it('ticks at once, then every interval after the tick ends', async () => {
    const t = controlledTick();
    const s = new TickScheduler(t.tick, 1000);
    s.trigger();
    await t.finish();
    await vi.advanceTimersByTimeAsync(999);
    expect(t.starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.starts).toEqual([0, 1000]);
    await t.finish();
    await s.stop();
  });

  it('never overlaps: triggers during a tick run exactly one more tick right after it', async () => {
    const t = controlledTick();
    const s = new TickScheduler(t.tick, 1000);
    s.trigger();
    s.trigger();
    s.trigger();
    await vi.advanceTimersByTimeAsync(10);
    s.trigger();
    expect(t.starts).toEqual([0]);
    await t.finish();
    expect(t.starts).toEqual([0, 10]);
    await t.finish();
    await vi.advanceTimersByTimeAsync(500);
    expect(t.starts).toEqual([0, 10]);
    expect(t.maxActive).toBe(1);
    await s.stop();
  });

  it('re-plans from now when the interval changes while idle', async () => {
    const t = controlledTick();
    const s = new TickScheduler(t.tick, 10_000);
    s.trigger();
    await t.finish();
    await vi.advanceTimersByTimeAsync(2000);
    s.setInterval(500);
    await vi.advanceTimersByTimeAsync(499);
    expect(t.starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.starts).toEqual([0, 2500]);
    await t.finish();
    await s.stop();
  });

  it('plans the next tick at the due time a tick reports, when sooner than the interval', async () => {
    const t = controlledTick();
    const s = new TickScheduler(t.tick, 60_000);
    t.setDue(60_000); // evidence window began at 0
    s.trigger();
    await t.finish();
    await vi.advanceTimersByTimeAsync(20_000);
    s.trigger(); // a command at 20 s: applied at once...
    await t.finish();
    // ...and the evidence tick still comes at 60 s, not at 80 s
    await vi.advanceTimersByTimeAsync(39_999);
    expect(t.starts).toEqual([0, 20_000]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.starts).toEqual([0, 20_000, 60_000]);
    t.setDue(30_000); // already past once this tick ends: wait the interval, do not spin
    await t.finish();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(t.starts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.starts).toHaveLength(4);
    await t.finish();
    await s.stop();
  });

  it('a delay asked for during a tick replaces the interval once (a retry backing off)', async () => {
    const t = controlledTick();
    const s = new TickScheduler(t.tick, 1000);
    s.trigger();
    s.delayNext(8000);
    await t.finish();
    await vi.advanceTimersByTimeAsync(7999);
    expect(t.starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.starts).toEqual([0, 8000]);
    await t.finish(); // no delay asked for: back to the interval
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.starts).toEqual([0, 8000, 9000]);
    await t.finish();
    await s.stop();
  });

  it('stop waits for the tick in progress and plans nothing more', async () => {
    const t = controlledTick();
    const s = new TickScheduler(t.tick, 1000);
    s.trigger();
    let stopped = false;
    const stopping = s.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false);
    await t.finish();
    await stopping;
    expect(stopped).toBe(true);
    s.trigger();
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.starts).toEqual([0]);
  });

  it('reports a failing tick and keeps its schedule', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const s = new TickScheduler(
      () => {
        n++;
        return Promise.reject(new Error('boom'));
      },
      1000,
      { onError: (e) => errors.push(e) },
    );
    s.trigger();
    await vi.advanceTimersByTimeAsync(2000);
    expect(n).toBe(3);
    expect(errors).toHaveLength(3);
    await s.stop();
  });
});

describe('Limiter', () => {
  it('runs at most limit holders at once, the rest in order', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const runs = [0, 1, 2, 3].map((i) =>
      limiter.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => gates.push(resolve));
        order.push(i);
        active--;
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(gates).toHaveLength(2);
    while (gates.length > 0) {
      gates.shift()?.();
      await vi.advanceTimersByTimeAsync(0);
    }
    await Promise.all(runs);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3]);
  });
});
