import type { TickContext } from './context.js';
import { runHooks } from './hooks.js';
import { rollback } from './outcomes.js';
import type { CheckOutcome, JudgeVerdict, Routes, Verdict } from './ports.js';

/**
 * What one round of checks allows the tick to do next. `continue`: nothing failed and the judge
 * is still collecting evidence, but nothing passed either: a step may be taken (more traffic
 * means more evidence), a promotion may not.
 */
export type CheckResult = 'advance' | 'advance-early' | 'continue' | 'hold' | 'stopped';

function summarise(outcomes: readonly CheckOutcome[], verdict: Verdict): string {
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

/**
 * Unknown is not bad: it never advances, and spends its own budget (Flagger counts it as failed).
 * An environmental failure spends the same budget; a Flagger document that opted into the noise
 * guard has no unknown budget, so `threshold` bounds it there.
 */
async function countUnknown(ctx: TickContext, why: string, environmental = false): Promise<CheckResult> {
  const budget = ctx.cfg.unknownThreshold || (environmental ? ctx.cfg.threshold : 0);
  if (budget === 0) return countFailure(ctx, why);
  const unknown = (ctx.status.unknownChecks ?? 0) + 1;
  ctx.status.unknownChecks = unknown;
  ctx.startEvidenceWindow();
  const what = environmental ? 'the primary fails the same checks' : 'could not measure the canary';
  if (unknown >= budget) {
    await rollback(ctx, `${what} ${unknown}/${budget} times: ${why}`);
    return 'stopped';
  }
  const label = environmental ? 'environmental, not the canary' : 'no verdict';
  await ctx.decide('Halt', `${label} (${unknown}/${budget}), weight held: ${why}`, 'Warning');
  return 'hold';
}

/** Before any traffic reaches the canary: the pre-rollout hooks (Flagger runs no metrics at weight 0). */
function isFirstStep(ctx: TickContext, routes: Routes): boolean {
  return (
    routes.canaryWeight === 0 && (ctx.status.iterations ?? 0) === 0 && !(ctx.cfg.mirror && routes.mirrored)
  );
}

/** The judge's verdict as a check: `continue` stays `continue`, and without evidence it is `unknown`. */
function judgeCheck(judge: JudgeVerdict): CheckOutcome {
  const base = { name: 'judge', kind: 'judge' as const };
  if (judge.verdict === 'fail') return { ...base, verdict: 'fail', message: judge.reason };
  if (judge.verdict === 'pass-early') return { ...base, verdict: 'pass', message: judge.reason };
  if (judge.insufficient !== undefined)
    return { ...base, verdict: 'unknown', message: `judge has no evidence yet: ${judge.insufficient}` };
  return { ...base, verdict: 'continue', message: judge.reason };
}

/** What a round of outcomes allows, worst first: a failure, then no measurement, then progress. */
async function conclude(
  ctx: TickContext,
  outcomes: readonly CheckOutcome[],
  judge: JudgeVerdict | undefined,
): Promise<CheckResult> {
  const has = (verdict: Verdict) => outcomes.some((o) => o.verdict === verdict);
  if (has('fail')) return countFailure(ctx, summarise(outcomes, 'fail'));
  if (has('unknown')) return countUnknown(ctx, summarise(outcomes, 'unknown'));
  if (has('environmental')) return countUnknown(ctx, summarise(outcomes, 'environmental'), true);
  if (judge?.verdict === 'pass-early') return 'advance-early';
  if (has('continue') && !has('pass')) return 'continue';
  return 'advance';
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
      ...(judge.insufficient !== undefined ? { insufficient: judge.insufficient } : {}),
    };
    outcomes.push(judgeCheck(judge));
  }
  ctx.recordChecks(outcomes);
  if (judge?.verdict === 'fail') {
    await rollback(ctx, `the sequential judge found the canary worse than the primary: ${judge.reason}`);
    return 'stopped';
  }
  return conclude(ctx, outcomes, judge);
}
