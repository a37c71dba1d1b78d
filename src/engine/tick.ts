import type { CanaryStatus, Decision } from '../api/canary.js';
import { applyCommands } from './control.js';
import { TickContext } from './context.js';
import { carryOut } from './intent.js';
import { runChecks } from './checks.js';
import { passGate, runHooks } from './hooks.js';
import { failPromotion, finalise, promote, rollback } from './outcomes.js';
import { isActivePhase } from './phases.js';
import type { Canary, ControlCommand, Ports, Readiness, Revision } from './ports.js';
import { runAB, runBlueGreen, runCanary, shiftToPrimary } from './strategies.js';
import { observeHealth, refreshIdleCanary } from './workload-health.js';

export interface TickResult {
  status: CanaryStatus;
  /** Whether the status differs from the one the tick started with (and was written). */
  changed: boolean;
  decisions: Decision[];
}

function sameConfigs(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const left = a ?? {};
  const keys = new Set([...Object.keys(left), ...Object.keys(b)]);
  return [...keys].every((k) => left[k] === b[k]);
}

/** A new revision: a pod-template change that is not a revert to the promoted one, or a config change. */
function isNewRevision(status: CanaryStatus, rev: Revision): boolean {
  if (!status.lastAppliedSpec)
    return rev.specHash !== status.lastPromotedSpec || !sameConfigs(status.trackedConfigs, rev.configs);
  if (rev.specHash !== status.lastAppliedSpec && rev.specHash !== status.lastPromotedSpec) return true;
  return !sameConfigs(status.trackedConfigs, rev.configs);
}

/**
 * Readiness with the progress deadline applied: a workload that stays not-ready longer than
 * progressDeadlineSeconds is stuck, whatever the platform reports.
 */
function withDeadline(ctx: TickContext, which: 'primary' | 'canary', r: Readiness): Readiness {
  const since: { primary?: string; canary?: string } = {};
  const other = which === 'primary' ? 'canary' : 'primary';
  const otherSince = ctx.status.notReadySince?.[other];
  if (otherSince) since[other] = otherSince;
  if (!r.ready && r.retriable) {
    since[which] = ctx.status.notReadySince?.[which] ?? ctx.nowIso;
    const waited = ctx.now.getTime() - Date.parse(since[which]);
    if (waited >= ctx.cfg.progressDeadlineMs) {
      r = {
        ready: false,
        retriable: false,
        message: `${r.message} (progress deadline of ${ctx.cfg.progressDeadlineMs / 1000}s exceeded)`,
      };
    }
  }
  if (Object.keys(since).length > 0) ctx.status.notReadySince = since;
  else delete ctx.status.notReadySince;
  return r;
}

async function initialize(ctx: TickContext): Promise<void> {
  ctx.setPhase('Initializing');
  const ready = withDeadline(
    ctx,
    'primary',
    await ctx.ports.workloads.initialize(ctx.current, { waitForPrimary: true }),
  );
  if (!ready.ready) {
    if (!ready.retriable) await rollback(ctx, `the primary never became ready: ${ready.message}`);
    return;
  }
  await ctx.ports.router.reconcile(ctx.current);
  ctx.act({ kind: 'scale-down' });
  const rev = await ctx.ports.workloads.targetRevision(ctx.current);
  ctx.status.lastAppliedSpec = rev.specHash;
  ctx.status.lastPromotedSpec = rev.specHash;
  ctx.status.trackedConfigs = rev.configs;
  ctx.status.canaryWeight = 0;
  ctx.status.failedChecks = 0;
  ctx.status.iterations = 0;
  ctx.setPhase('Initialized');
  await ctx.decide('Initialized', 'primary ready and serving all traffic; waiting for a new revision');
  await ctx.alert('info', 'New workload detected, initialization completed.');
}

/** Starts a run for a new revision, after the confirm-rollout gate. */
async function startRun(ctx: TickContext, rev: Revision): Promise<void> {
  if (ctx.phase === 'Waiting' && (await rollbackRequested(ctx))) {
    // The revision is refused before it ran: recorded as failed so it does not start again.
    Object.assign(ctx.status, { lastAppliedSpec: rev.specHash, trackedConfigs: rev.configs });
    await rollback(ctx, 'a rollback hook asked for it while waiting for confirm-rollout');
    return;
  }
  if (!(await passGate(ctx, 'confirm-rollout', 'Canary'))) {
    ctx.setPhase('Waiting');
    return;
  }
  ctx.act({ kind: 'scale-up' });
  resetRun(ctx, rev);
  await ctx.decide(
    'NewRevision',
    `new revision ${rev.specHash} detected: starting the ${ctx.cfg.strategy} analysis`,
  );
  await ctx.alert('info', 'New revision detected, progressing canary analysis.');
}

/** Whether a `rollback` hook answers yes: Flagger's manual rollback, polled while a run waits or runs. */
async function rollbackRequested(ctx: TickContext): Promise<boolean> {
  const manual = await runHooks(ctx, 'rollback');
  return manual.outcomes.some((o) => o.verdict === 'pass');
}

function resetRun(ctx: TickContext, rev: Revision): void {
  const s = ctx.status;
  Object.assign(s, { canaryWeight: 0, failedChecks: 0, unknownChecks: 0, iterations: 0, mirrored: false });
  Object.assign(s, { lastAppliedSpec: rev.specHash, trackedConfigs: rev.configs, runStartedAt: ctx.nowIso });
  delete s.judge;
  delete s.checks; // checks and verdicts shown anywhere belong to the current run
  delete s.notReadySince;
  ctx.startEvidenceWindow();
  ctx.setPhase('Progressing');
}

/** A change of the target mid-run restarts the analysis at weight 0 (confirm-rollout is not asked again). */
async function restartRun(ctx: TickContext, rev: Revision): Promise<void> {
  await ctx.setRoutes({ primaryWeight: 100, canaryWeight: 0, mirrored: false });
  resetRun(ctx, rev);
  await ctx.decide(
    'Restart',
    `new revision ${rev.specHash} detected during the analysis: restarting at weight 0`,
  );
}

/** Promoting and Finalising: wait for the updated primary, move traffic back, finish. */
async function promotionStage(ctx: TickContext): Promise<void> {
  if (ctx.phase === 'Finalising') {
    await finalise(ctx);
    return;
  }
  const routes = await ctx.ports.router.getRoutes(ctx.current);
  if (await shiftToPrimary(ctx, routes)) {
    ctx.setPhase('Finalising');
    await ctx.decide('Finalising', 'primary updated and ready: all traffic on the primary');
  }
}

/** Progressing and WaitingPromotion: readiness, rollback hooks, checks, then the strategy's next step. */
async function analysisStage(ctx: TickContext): Promise<void> {
  const seen = await ctx.ports.workloads.isCanaryReady(ctx.current);
  const canary = withDeadline(ctx, 'canary', await observeHealth(ctx, 'canary', seen));
  if (!canary.ready) {
    if (!canary.retriable) await rollback(ctx, `canary not ready: ${canary.message}`);
    return;
  }
  if (ctx.cfg.skipAnalysis) {
    await promote(ctx, 'analysis skipped: promoting as soon as the canary is ready');
    return;
  }
  if (await rollbackRequested(ctx)) {
    await rollback(ctx, 'a rollback hook asked for it');
    return;
  }
  if ((ctx.status.failedChecks ?? 0) >= ctx.cfg.threshold) {
    await rollback(
      ctx,
      `failed checks threshold reached ${ctx.status.failedChecks ?? 0}/${ctx.cfg.threshold}`,
    );
    return;
  }
  // Pacing: an early tick (command, edit, gate change) applies what it must but buys no step.
  if (!ctx.evidenceComplete) return;
  const routes = await ctx.ports.router.getRoutes(ctx.current);
  const result = await runChecks(ctx, routes);
  if (result === 'hold' || result === 'stopped') return;
  if (ctx.cfg.strategy === 'ab-testing') await runAB(ctx, result);
  else if (ctx.cfg.strategy === 'blue-green') await runBlueGreen(ctx, routes, result);
  else await runCanary(ctx, routes, result);
}

/** Primary readiness during a run; a stuck primary rolls back (or, once promoted, fails the promotion). */
async function primaryGate(ctx: TickContext): Promise<boolean> {
  const seen = await ctx.ports.workloads.isPrimaryReady(ctx.current);
  const primary = withDeadline(ctx, 'primary', await observeHealth(ctx, 'primary', seen));
  if (primary.ready) return true;
  if (!primary.retriable) {
    if (ctx.phase === 'Promoting' || ctx.phase === 'Finalising') await failPromotion(ctx, primary.message);
    else await rollback(ctx, `primary not ready: ${primary.message}`);
  }
  return false;
}

async function step(ctx: TickContext, commands: readonly ControlCommand[]): Promise<void> {
  if (ctx.canary.spec.suspend) return;
  if (!ctx.phase || ctx.phase === 'Initializing') {
    await initialize(ctx);
    return;
  }
  if (await applyCommands(ctx, commands)) return;
  await ctx.ports.workloads.initialize(ctx.current, { waitForPrimary: false });
  await ctx.ports.router.reconcile(ctx.current);
  if (ctx.status.paused) return;
  const rev = await ctx.ports.workloads.targetRevision(ctx.current);
  const active = isActivePhase(ctx.phase);
  if (!active && ctx.phase !== 'Waiting' && !isNewRevision(ctx.status, rev)) {
    await refreshIdleCanary(ctx);
    return;
  }
  if (!(await primaryGate(ctx))) return;
  if (!active) {
    await startRun(ctx, rev);
    return;
  }
  if ((ctx.phase === 'Progressing' || ctx.phase === 'WaitingPromotion') && isNewRevision(ctx.status, rev)) {
    await restartRun(ctx, rev);
    return;
  }
  if (ctx.phase === 'Promoting' || ctx.phase === 'Finalising') await promotionStage(ctx);
  else await analysisStage(ctx);
}

function observe(ctx: TickContext): void {
  const generation = ctx.canary.metadata.generation;
  if (generation !== undefined) ctx.status.observedGeneration = generation;
}

/**
 * One step of a Canary's rollout: finishes the intent an interrupted tick left, if any (and
 * stops there: that tick's step counts as this interval's); otherwise reads the world through the
 * ports, decides, persists the decision with its effects as an intent, performs them, and clears
 * the intent. An idle tick writes nothing. Safe to call again after a crash at any point.
 */
export async function advance(
  canary: Canary,
  ports: Ports,
  commands: readonly ControlCommand[] = [],
): Promise<TickResult> {
  const persisted = canary.status ?? {};
  if (persisted.intent) {
    const status = await carryOut(canary, ports, persisted, persisted);
    return { status, changed: true, decisions: [] };
  }
  const ctx = new TickContext(canary, ports);
  await step(ctx, commands);
  observe(ctx);
  const status = await commit(ctx, persisted);
  return { status, changed: status !== persisted, decisions: ctx.decisions };
}

/** Writes the draft (with its effects as an intent, when there are any) and carries it out. */
async function commit(ctx: TickContext, persisted: CanaryStatus): Promise<CanaryStatus> {
  if (ctx.effects.length === 0) {
    if (JSON.stringify(ctx.status) === JSON.stringify(persisted)) return persisted;
    await ctx.ports.status.write({ ...ctx.canary, status: persisted }, ctx.status);
    return ctx.status;
  }
  const id = ctx.decisions[0]?.id ?? `${ctx.status.decisionCount ?? 0}.${ctx.nowIso}`;
  const phase = ctx.status.phase ?? 'Initializing';
  const draft = { ...ctx.status, intent: { id, phase, effects: ctx.effects, done: 0 } };
  return carryOut(ctx.canary, ctx.ports, persisted, draft);
}

/**
 * Deletion with revertOnDeletion: gives the target back its traffic and restores the user's
 * routing. Returns done once everything is restored; call again until then.
 */
export async function terminate(canary: Canary, ports: Ports): Promise<{ done: boolean }> {
  let persisted = canary.status ?? {};
  if (persisted.intent) persisted = await carryOut(canary, ports, persisted, persisted);
  const ctx = new TickContext({ ...canary, status: persisted }, ports);
  if (ctx.phase !== 'Terminating') {
    ctx.setPhase('Terminating');
    await ctx.decide('Terminating', 'Canary deleted: restoring the target and the original routing');
    await commit(ctx, persisted);
  }
  const ready = await ports.workloads.revert(ctx.current);
  if (!ready.ready) return { done: false };
  await ports.router.finalize(ctx.current);
  return { done: true };
}
