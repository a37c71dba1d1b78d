import { nextStepWeight } from './analysis-config.js';
import type { TickContext } from './context.js';
import { passGate } from './hooks.js';
import { promote } from './outcomes.js';
import type { Routes } from './ports.js';

const clamp = (w: number) => Math.min(100, Math.max(0, w));

async function promoteAfterGate(ctx: TickContext, reason: string): Promise<void> {
  if (!(await passGate(ctx, 'confirm-promotion', 'Canary promotion'))) {
    ctx.setPhase('WaitingPromotion');
    return;
  }
  await promote(ctx, reason);
}

/** Progressive weights: one step per passing interval, promotion at maxWeight. */
export async function runCanary(ctx: TickContext, routes: Routes, early: boolean): Promise<void> {
  const { cfg } = ctx;
  if (early || routes.canaryWeight >= cfg.maxWeight) {
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
  const why = routes.canaryWeight === 0 ? 'canary ready' : `checks passed at ${routes.canaryWeight}%`;
  await ctx.decide('Advance', `${why}: canary weight ${canaryWeight}%`);
}

/** Blue/green: N iterations with no user traffic (or mirrored), then all traffic to green, then promote. */
export async function runBlueGreen(ctx: TickContext, routes: Routes, early: boolean): Promise<void> {
  const { cfg } = ctx;
  const done = ctx.status.iterations ?? 0;
  if (done < cfg.iterations && !early) {
    if (cfg.mirror && !routes.mirrored)
      await ctx.setRoutes({ primaryWeight: 100, canaryWeight: 0, mirrored: true });
    ctx.status.iterations = done + 1;
    ctx.startEvidenceWindow();
    await ctx.decide('Advance', `iteration ${done + 1}/${cfg.iterations} passed`);
    return;
  }
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
export async function runAB(ctx: TickContext, early: boolean): Promise<void> {
  const { cfg } = ctx;
  const done = ctx.status.iterations ?? 0;
  if (done < cfg.iterations && !early) {
    await ctx.setRoutes({ primaryWeight: 0, canaryWeight: 100, mirrored: false });
    ctx.status.iterations = done + 1;
    ctx.startEvidenceWindow();
    await ctx.decide('Advance', `iteration ${done + 1}/${cfg.iterations}: matched traffic on the canary`);
    return;
  }
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
