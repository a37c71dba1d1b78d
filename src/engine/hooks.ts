import type { WebhookType } from '../api/canary.js';
import { hooksOfType } from './analysis-config.js';
import type { TickContext } from './context.js';
import type { CheckOutcome } from './ports.js';

export interface HookRun {
  ok: boolean;
  outcomes: CheckOutcome[];
  /** The first failing hook's explanation, for the decision reason. */
  failure?: string;
  /** A failing gate asked for its alert to be muted. */
  muted: boolean;
}

/** Calls every hook of one type in order; all must succeed. Gates are polled, never retried here. */
export async function runHooks(ctx: TickContext, type: WebhookType): Promise<HookRun> {
  const run: HookRun = { ok: true, outcomes: [], muted: false };
  for (const hook of hooksOfType(ctx.cfg, type)) {
    const result = await ctx.ports.webhooks.call(ctx.current, hook, ctx.phase ?? 'Initializing');
    const message = `${type} hook ${hook.name}: ${result.message}`;
    run.outcomes.push({ name: hook.name, kind: 'webhook', verdict: result.ok ? 'pass' : 'fail', message });
    if (!result.ok && run.ok) {
      run.ok = false;
      run.failure = message;
      run.muted = hook.muteAlert === true;
    }
  }
  return run;
}

/**
 * A confirm-* gate: open → true. Closed → records that the run waits there, alerting once when the
 * wait begins (unless muted), and false. Gate waits never count as failed checks.
 */
export async function passGate(
  ctx: TickContext,
  type: 'confirm-rollout' | 'confirm-traffic-increase' | 'confirm-promotion',
  what: string,
): Promise<boolean> {
  const run = await runHooks(ctx, type);
  if (run.ok) {
    if (ctx.status.waitingFor === type) delete ctx.status.waitingFor;
    return true;
  }
  if (ctx.status.waitingFor !== type) {
    ctx.status.waitingFor = type;
    await ctx.decide('Waiting', `${what} is waiting for approval: ${run.failure ?? 'gate closed'}`);
    if (!run.muted) await ctx.alert('warn', `${what} is waiting for approval.`);
  }
  return false;
}
