/**
 * Write-ahead intent: a tick first decides (reading the world, changing nothing but a draft of the
 * status), then persists the draft together with the list of effects it implies, then performs
 * the effects in order, persisting progress as it goes, and finally clears the intent. A restart
 * finds an unfinished intent in status and finishes it before deciding anything new, so a kill at
 * any instant neither loses a decision nor repeats one.
 *
 * Effects that converge (routes, scaling, promotion) are simply done again on resume. Effects a
 * receiver sees once each (events, alerts, hooks) are marked done right after they happen; the
 * one in flight at a kill may be repeated, so each carries its decision id for receivers to dedupe.
 */
import { IntentEffect, type Canary, type CanaryStatus, type Intent } from '../api/canary.js';
import { resolveAnalysis } from './analysis-config.js';
import { DecisionAction } from './decisions.js';
import type { Ports } from './ports.js';

export type { Intent, IntentEffect };

/** Effects that leave the world in the same state however often they are repeated. */
const CONVERGENT = new Set<IntentEffect['kind']>(['routes', 'scale-up', 'scale-down']);

/** The i-th effect, checked: a stored intent Serin cannot read fails loudly, naming the field. */
function effectAt(intent: Intent, i: number): IntentEffect | undefined {
  const raw = intent.effects[i];
  if (raw === undefined) return undefined;
  const parsed = IntentEffect.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new Error(`status.intent.effects[${i}] is not an effect Serin knows: ${problems.join('; ')}`);
}

/** Persists `next`; the Canary handed to the port carries the status the write is based on. */
async function write(canary: Canary, ports: Ports, base: CanaryStatus, next: CanaryStatus): Promise<void> {
  await ports.status.write({ ...canary, status: base }, next);
}

function withoutIntent(status: CanaryStatus): CanaryStatus {
  const { intent: _done, ...rest } = status;
  return rest;
}

async function callHook(
  canary: Canary,
  ports: Ports,
  effect: Extract<IntentEffect, { kind: 'hook' }>,
): Promise<void> {
  const hook = resolveAnalysis(canary).webhooks.find(
    (h) => h.name === effect.hook && (h.type ?? 'rollout') === effect.hookType,
  );
  if (!hook) return; // removed from the spec since the decision: nobody to tell
  const withMetadata = effect.metadata ? { ...hook, metadata: effect.metadata } : hook;
  await ports.webhooks.call(canary, withMetadata, effect.phase, { decisionId: effect.decision });
}

async function perform(canary: Canary, ports: Ports, effect: IntentEffect): Promise<void> {
  switch (effect.kind) {
    case 'routes': {
      const { primaryWeight, canaryWeight, mirrored } = effect;
      await ports.router.setRoutes(canary, { primaryWeight, canaryWeight, mirrored });
      return;
    }
    case 'scale-up':
      await ports.workloads.scaleCanaryUp(canary);
      return;
    case 'scale-down':
      await ports.workloads.scaleCanaryDown(canary);
      return;
    case 'promote':
      await ports.workloads.promote(canary);
      return;
    case 'event':
      await ports.notifier.event(canary, {
        type: effect.type,
        reason: effect.reason,
        message: effect.message,
        id: effect.decision,
      });
      return;
    case 'alert':
      await ports.notifier.alert(canary, {
        severity: effect.severity,
        message: effect.message,
        ...(effect.fields ? { fields: effect.fields } : {}),
        id: effect.decision,
      });
      return;
    case 'hook':
      await callHook(canary, ports, effect);
      return;
  }
}

/**
 * A promotion that was decided but had not happened when the process died, while the target has
 * moved on to another revision since: copying the target now would promote a revision nobody
 * analysed. The run fails instead (the primary still serves the last promoted revision) and the
 * next tick starts a run for the new one.
 */
async function promotionOvertaken(
  canary: Canary,
  ports: Ports,
  status: CanaryStatus,
  intent: Intent,
): Promise<CanaryStatus | undefined> {
  const next = effectAt(intent, intent.done);
  if (next?.kind !== 'promote') return undefined;
  const revision = await ports.workloads.targetRevision(canary);
  if (revision.specHash === next.revision) return undefined;
  const reason = `the target changed to ${revision.specHash} before the promotion of ${next.revision} happened`;
  const decision = `${intent.id}.overtaken`;
  const effects: IntentEffect[] = [
    { kind: 'routes', primaryWeight: 100, canaryWeight: 0, mirrored: false },
    { kind: 'scale-down' },
    { kind: 'event', decision, type: 'Warning', reason: DecisionAction.Rollback, message: reason },
  ];
  const decisions = [
    ...(status.decisions ?? []),
    {
      id: decision,
      time: ports.clock.now().toISOString(),
      phase: 'Failed' as const,
      action: DecisionAction.Rollback,
      reason,
    },
  ];
  return {
    ...status,
    phase: 'Failed',
    canaryWeight: 0,
    mirrored: false,
    decisions,
    intent: { id: decision, phase: 'Failed', effects, done: 0 },
  };
}

/**
 * Performs the effects of `status.intent` not yet done, persisting progress, then clears the
 * intent. `persisted` is the status as stored before this call (the base of the first write).
 * Returns the status as stored afterwards.
 */
export async function carryOut(
  canary: Canary,
  ports: Ports,
  persisted: CanaryStatus,
  status: CanaryStatus,
): Promise<CanaryStatus> {
  let stored = persisted;
  let current = status;
  if (JSON.stringify(persisted) !== JSON.stringify(status)) {
    await write(canary, ports, stored, current);
    stored = current;
  }
  const overtaken = current.intent && (await promotionOvertaken(canary, ports, current, current.intent));
  if (overtaken) {
    await write(canary, ports, stored, overtaken);
    stored = current = overtaken;
  }
  const intent = current.intent;
  if (!intent) return stored;
  for (let i = intent.done; i < intent.effects.length; i++) {
    const effect = effectAt(intent, i);
    if (!effect) break;
    await perform({ ...canary, status: current }, ports, effect);
    if (i + 1 === intent.effects.length) break;
    current = { ...current, intent: { ...intent, done: i + 1 } };
    if (!CONVERGENT.has(effect.kind)) {
      await write(canary, ports, stored, current);
      stored = current;
    }
  }
  const finished = withoutIntent(current);
  await write(canary, ports, stored, finished);
  return finished;
}

/** The id of the next decision: unique per Canary (its uid, when it has one) and increasing. */
export function nextDecisionId(canary: Canary, count: number): string {
  const uid = canary.metadata.uid;
  return uid ? `${uid.slice(0, 8)}-${count}` : String(count);
}
