import type { TickContext } from './context.js';

/**
 * Ends the run: all traffic back on the primary, the canary stopped, phase Failed. Every rollback
 * alerts, whatever caused it (Flagger stays silent on progress-deadline rollbacks).
 */
export async function rollback(ctx: TickContext, reason: string): Promise<void> {
  await ctx.setRoutes({ primaryWeight: 100, canaryWeight: 0, mirrored: false });
  ctx.act({ kind: 'scale-down' });
  ctx.status.canaryWeight = 0;
  delete ctx.status.waitingFor;
  delete ctx.status.notReadySince;
  ctx.setPhase('Failed');
  await ctx.decide('Rollback', reason, 'Warning');
  await ctx.alert('error', `Rolled back: ${reason}`);
  ctx.queueHooks('post-rollout');
}

/**
 * The promoted primary cannot become ready: the canary is the only healthy copy of the new revision,
 * so it keeps running and takes all traffic.
 */
export async function failPromotion(ctx: TickContext, reason: string): Promise<void> {
  await ctx.setRoutes({ primaryWeight: 0, canaryWeight: 100, mirrored: false });
  delete ctx.status.notReadySince;
  ctx.setPhase('Failed');
  await ctx.decide(
    'PromotionFailed',
    `primary not ready: ${reason}; all traffic stays on the canary`,
    'Warning',
  );
  await ctx.alert('error', `Promotion failed, primary not ready: ${reason}`);
  ctx.queueHooks('post-rollout');
}

/** Copies the canary onto the primary and starts the promotion traffic shift. */
export async function promote(ctx: TickContext, reason: string): Promise<void> {
  ctx.act({ kind: 'promote', revision: ctx.status.lastAppliedSpec ?? '' });
  delete ctx.status.waitingFor;
  ctx.setPhase('Promoting');
  await ctx.decide('Promote', reason);
}

export async function finalise(ctx: TickContext): Promise<void> {
  ctx.act({ kind: 'scale-down' });
  ctx.status.canaryWeight = 0;
  ctx.status.lastPromotedSpec = ctx.status.lastAppliedSpec;
  ctx.setPhase('Succeeded');
  const skipped = ctx.cfg.skipAnalysis ? ' (analysis skipped)' : '';
  await ctx.decide('Succeeded', `promotion finished${skipped}: the primary runs the new revision`);
  await ctx.alert('info', `Canary analysis completed successfully, promotion finished${skipped}.`);
  ctx.queueHooks('post-rollout');
}
