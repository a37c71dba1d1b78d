import { describe, expect, it } from 'vitest';
import type { Canary } from '../api/canary.js';
import { DecisionAction } from './decisions.js';
import { rolloutPlan } from './plan.js';
import { makeCanary } from './testing/fixtures.js';
import { MemoryWorld } from './testing/memory-world.js';

const MINUTE = 60_000;

/** A seeded generator, so the ticks land at different instants in each interval but reproducibly. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface Prediction {
  at: number;
  eta: number;
  current: number;
  weight: number;
}

/**
 * Runs the real engine, ticking at random instants (at most `maxGapMs` apart), and records the
 * plan's estimate after every tick of the run, and when the engine actually decided to promote.
 */
async function runAndPredict(canary: Canary, seed: number, maxGapMs: number) {
  const world = new MemoryWorld(canary);
  const random = seeded(seed);
  await world.tick();
  world.deploy('rev-2');
  const predictions: Prediction[] = [];
  for (let i = 0; i < 2000; i++) {
    await world.tickNow();
    const promoted = world.status.decisions?.find((d) => d.action === DecisionAction.Promote);
    if (promoted) return { promotedAt: Date.parse(promoted.time), predictions, world };
    const plan = rolloutPlan(world.canary, world.status, world.now);
    if (plan.promotionEta !== undefined)
      predictions.push({
        at: world.now.getTime(),
        eta: Date.parse(plan.promotionEta),
        current: plan.current,
        weight: world.routes.canaryWeight,
      });
    world.wait(1 + Math.floor(random() * maxGapMs));
  }
  throw new Error('the run never promoted');
}

describe('rolloutPlan: the steps the engine takes and when it promotes', () => {
  it('lists the weights nextStepWeight walks to maxWeight, then promotion', () => {
    const plan = rolloutPlan(makeCanary({ stepWeight: 10, maxWeight: 50 }), undefined, new Date(0));
    expect(plan.steps.map((s) => s.label)).toEqual(['10%', '20%', '30%', '40%', '50%', 'promote']);
    expect(plan.current).toBe(-1);
    expect(plan.noEtaReason).toBe('the run has not started');
    const listed = rolloutPlan(makeCanary({ stepWeights: [1, 5, 25, 80] }), undefined, new Date(0));
    expect(listed.steps.map((s) => s.label)).toEqual(['1%', '5%', '25%', '80%', 'promote']);
  });

  it.each([
    ['canary', makeCanary({ stepWeight: 10, maxWeight: 50 })],
    ['stepWeights', makeCanary({ stepWeights: [5, 20, 60] })],
    ['blue/green', makeCanary({ iterations: 4 })],
    ['A/B', makeCanary({ iterations: 3, match: [{ headers: { x: { exact: 'y' } } }] })],
  ])(
    '%s: every estimate during the run is within one tick of when the engine promoted',
    async (_, canary) => {
      for (const seed of [1, 7, 42]) {
        const maxGap = 10_000;
        const { promotedAt, predictions } = await runAndPredict(canary, seed, maxGap);
        expect(predictions.length).toBeGreaterThan(3);
        for (const p of predictions) {
          // A tick lands up to one gap after the evidence is due, and each later step inherits that lag.
          const steps = Math.ceil((promotedAt - p.at) / MINUTE) + 1;
          expect(
            promotedAt - p.eta,
            `estimate made at ${new Date(p.at).toISOString()}`,
          ).toBeGreaterThanOrEqual(0);
          expect(promotedAt - p.eta).toBeLessThanOrEqual(steps * maxGap);
        }
      }
    },
  );

  it('the current step is the one whose weight the routes carry', async () => {
    const { predictions } = await runAndPredict(makeCanary({ stepWeight: 20, maxWeight: 60 }), 3, 20_000);
    const steps = rolloutPlan(makeCanary({ stepWeight: 20, maxWeight: 60 }), undefined, new Date(0)).steps;
    for (const p of predictions) expect(p.current < 0 ? 0 : steps[p.current]?.canaryWeight).toBe(p.weight);
  });

  it('gives no estimate when paused, finished or waiting at a gate, and says why', () => {
    const canary = makeCanary({ stepWeight: 10 });
    const now = new Date();
    expect(rolloutPlan(canary, { phase: 'Progressing', paused: true }, now).noEtaReason).toBe('paused');
    expect(rolloutPlan(canary, { phase: 'Succeeded' }, now)).toMatchObject({
      current: 10,
      noEtaReason: 'the run is over (Succeeded)',
    });
    expect(rolloutPlan(canary, { phase: 'WaitingPromotion' }, now).noEtaReason).toMatch(/confirm-promotion/);
  });
});
