import type { TickContext } from './context.js';
import { runHooks } from './hooks.js';
import { rollback } from './outcomes.js';
import type { CheckOutcome, Routes } from './ports.js';

/** What one round of checks allows the tick to do next. */
export type CheckResult = 'advance' | 'advance-early' | 'hold' | 'stopped';

function summarise(outcomes: readonly CheckOutcome[], verdict: 'fail' | 'unknown'): string {
  return outcomes
    .filter((o) => o.verdict === verdict)
    .map((o) => o.message)
    .join('; ');
}

/** Counts a failed round; rolls back as soon as the budget is spent (Flagger waits one more interval). */
async function countFailure(ctx: TickContext, why: string): Promise<CheckResult> {
  const failed = (ctx.status.failedChecks ?? 0) + 1;
  ctx.status.failedChecks = failed;
  ctx.startEvidenceWindow();
  if (failed >= ctx.cfg.threshold) {
    await rollback(ctx, `failed checks threshold reached ${failed}/${ctx.cfg.threshold}: ${why}`);
    return 'stopped';
  }
  await ctx.decide('Halt', `check failed (${failed}/${ctx.cfg.threshold}), weight held: ${why}`, 'Warning');
  return 'hold';
}

/** Unknown is not bad: it never advances, and spends its own budget (Flagger counts it as failed). */
async function countUnknown(ctx: TickContext, why: string): Promise<CheckResult> {
  if (ctx.cfg.unknownThreshold === 0) return countFailure(ctx, why);
  const unknown = (ctx.status.unknownChecks ?? 0) + 1;
  ctx.status.unknownChecks = unknown;
  ctx.startEvidenceWindow();
  if (unknown >= ctx.cfg.unknownThreshold) {
    await rollback(ctx, `could not measure the canary ${unknown}/${ctx.cfg.unknownThreshold} times: ${why}`);
    return 'stopped';
  }
  await ctx.decide(
    'Halt',
    `no verdict (${unknown}/${ctx.cfg.unknownThreshold}), weight held: ${why}`,
    'Warning',
  );
  return 'hold';
}

/** Before any traffic reaches the canary: the pre-rollout hooks (Flagger runs no metrics at weight 0). */
function isFirstStep(ctx: TickContext, routes: Routes): boolean {
  return (
    routes.canaryWeight === 0 && (ctx.status.iterations ?? 0) === 0 && !(ctx.cfg.mirror && routes.mirrored)
  );
}

/** Runs this interval's checks: pre-rollout hooks first, then rollout hooks, metrics and the judge. */
export async function runChecks(ctx: TickContext, routes: Routes): Promise<CheckResult> {
  if (isFirstStep(ctx, routes)) {
    const pre = await runHooks(ctx, 'pre-rollout');
    ctx.recordChecks(pre.outcomes);
    if (!pre.ok) return countFailure(ctx, pre.failure ?? 'pre-rollout hook failed');
    if (pre.outcomes.length > 0) await ctx.decide('PreRollout', 'pre-rollout hooks passed');
    return 'advance';
  }
  const hooks = await runHooks(ctx, 'rollout');
  const evaluation = await ctx.ports.metrics.evaluate(ctx.current, {
    canaryWeight: routes.canaryWeight,
    runStartedAt: ctx.status.runStartedAt,
    judgeState: (ctx.status.judge as { state?: unknown } | undefined)?.state,
    now: ctx.now,
  });
  const outcomes = [...hooks.outcomes, ...evaluation.checks];
  const judge = evaluation.judge;
  if (judge) {
    ctx.status.judge = {
      state: judge.state,
      verdict: judge.verdict,
      reason: judge.reason,
      evidence: judge.evidence,
    };
    const verdict = judge.verdict === 'fail' ? 'fail' : 'pass';
    outcomes.push({ name: 'judge', kind: 'judge', verdict, message: judge.reason });
  }
  ctx.recordChecks(outcomes);
  if (judge?.verdict === 'fail') {
    await rollback(ctx, `the sequential judge found the canary worse than the primary: ${judge.reason}`);
    return 'stopped';
  }
  if (outcomes.some((o) => o.verdict === 'fail')) return countFailure(ctx, summarise(outcomes, 'fail'));
  if (outcomes.some((o) => o.verdict === 'unknown')) return countUnknown(ctx, summarise(outcomes, 'unknown'));
  return judge?.verdict === 'pass-early' ? 'advance-early' : 'advance';
}
