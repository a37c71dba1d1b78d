import { nextStepWeight } from './analysis-config.js';
import type { CheckResult } from './checks.js';
import type { TickContext } from './context.js';
import { passGate } from './hooks.js';
import { promote } from './outcomes.js';
import type { Routes } from './ports.js';

const clamp = (w: number) => Math.min(100, Math.max(0, w));

/** What a round that reached checks allows: `hold` and `stopped` never get here. */
export type RoundResult = Exclude<CheckResult, 'hold' | 'stopped'>;

/**
 * No evidence, no promotion: a round in which nothing passed (only the judge, still continuing)
 * may take a step but not promote. The round is spent, so the next try waits a full interval.
 */
async function holdForEvidence(ctx: TickContext): Promise<void> {
  ctx.startEvidenceWindow();
  await ctx.decide(
    'Hold',
    'promotion needs a passing check: the judge is still collecting evidence (continue) and no other check passed',
  );
}

async function promoteAfterGate(ctx: TickContext, reason: string): Promise<void> {
  if (!(await passGate(ctx, 'confirm-promotion', 'Canary promotion'))) {
    ctx.setPhase('WaitingPromotion');
    return;
  }
  await promote(ctx, reason);
}

/** Progressive weights: one step per passing interval, promotion at maxWeight. */
export async function runCanary(ctx: TickContext, routes: Routes, result: RoundResult): Promise<void> {
  const { cfg } = ctx;
  const early = result === 'advance-early';
  if (early || routes.canaryWeight >= cfg.maxWeight) {
    if (result === 'continue') return holdForEvidence(ctx);
    const why = early
      ? 'the judge showed the canary is not worse than the primary'
      : `canary weight ${routes.canaryWeight}% reached maxWeight ${cfg.maxWeight}%`;
    await promoteAfterGate(ctx, why);
    return;
  }
  const step = nextStepWeight(cfg, routes.canaryWeight);
  if (cfg.mirror && routes.canaryWeight === 0 && !routes.mirrored) {
    await ctx.setRoutes({ primaryWeight: 100, canaryWeight: 0, mirrored: true });
    await ctx.decide('Mirror', 'mirroring traffic to the canary before shifting any');
    return;
  }
  if (step > 0 && !(await passGate(ctx, 'confirm-traffic-increase', 'Canary traffic increase'))) return;
  const canaryWeight = clamp(routes.canaryWeight + step);
  await ctx.setRoutes({ primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false });
  ctx.setPhase('Progressing');
  const at = routes.canaryWeight;
  const why =
    at === 0
      ? 'canary ready'
      : result === 'continue'
        ? `no regression found at ${at}%, the judge is still collecting evidence`
        : `checks passed at ${at}%`;
  await ctx.decide('Advance', `${why}: canary weight ${canaryWeight}%`);
}

/** Blue/green: N iterations with no user traffic (or mirrored), then all traffic to green, then promote. */
export async function runBlueGreen(ctx: TickContext, routes: Routes, result: RoundResult): Promise<void> {
  const { cfg } = ctx;
  const done = ctx.status.iterations ?? 0;
  const early = result === 'advance-early';
  if (done < cfg.iterations && !early) {
    if (cfg.mirror && !routes.mirrored)
      await ctx.setRoutes({ primaryWeight: 100, canaryWeight: 0, mirrored: true });
    ctx.status.iterations = done + 1;
    ctx.startEvidenceWindow();
    await ctx.decide('Advance', `iteration ${done + 1}/${cfg.iterations} passed`);
    return;
  }
  if (result === 'continue') return holdForEvidence(ctx);
  if (routes.canaryWeight < 100) {
    if (!(await passGate(ctx, 'confirm-promotion', 'Canary promotion'))) {
      ctx.setPhase('WaitingPromotion');
      return;
    }
    await ctx.setRoutes({ primaryWeight: 0, canaryWeight: 100, mirrored: false });
    ctx.status.iterations = cfg.iterations + 1;
    ctx.setPhase('Progressing');
    await ctx.decide('Switch', 'iterations done: all traffic to the new version before updating the primary');
    return;
  }
  await promoteAfterGate(ctx, 'the new version served all traffic and passed its checks');
}

/** A/B: matched traffic (headers, cookies) goes to the canary for N iterations, then promote. */
export async function runAB(ctx: TickContext, result: RoundResult): Promise<void> {
  const { cfg } = ctx;
  const done = ctx.status.iterations ?? 0;
  const early = result === 'advance-early';
  if (done < cfg.iterations && !early) {
    await ctx.setRoutes({ primaryWeight: 0, canaryWeight: 100, mirrored: false });
    ctx.status.iterations = done + 1;
    ctx.startEvidenceWindow();
    await ctx.decide('Advance', `iteration ${done + 1}/${cfg.iterations}: matched traffic on the canary`);
    return;
  }
  if (result === 'continue') return holdForEvidence(ctx);
  await promoteAfterGate(ctx, `${cfg.iterations} iterations passed on matched traffic`);
}

/** After the primary is updated and ready: move traffic back to it, at once or stepWeightPromotion per tick. */
export async function shiftToPrimary(ctx: TickContext, routes: Routes): Promise<boolean> {
  const step = ctx.cfg.stepWeightPromotion;
  if (step <= 0 || routes.canaryWeight <= 0) {
    await ctx.setRoutes({ primaryWeight: 100, canaryWeight: 0, mirrored: false });
    return true;
  }
  const canaryWeight = clamp(routes.canaryWeight - step);
  await ctx.setRoutes({ primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false });
  await ctx.decide('Promoting', `primary ready: canary weight down to ${canaryWeight}%`);
  return canaryWeight === 0;
}
