import type { Canary, CanaryStatus, CheckRecord, Decision, IntentEffect, Phase } from '../api/canary.js';
import { hooksOfType, resolveAnalysis, type ResolvedAnalysis } from './analysis-config.js';
import { nextDecisionId } from './intent.js';
import { evidenceComplete } from './pacing.js';
import { promotedCondition } from './phases.js';
import type { DecisionAction } from './decisions.js';
import type { CheckOutcome, Ports, Routes, Severity } from './ports.js';

/** How many checks and decisions status keeps; enough to explain a run, small enough for etcd. */
export const MAX_CHECKS = 20;
export const MAX_DECISIONS = 30;

/**
 * One tick's working state: the Canary, a draft of its next status, and the ports. Decisions are
 * recorded here as they are taken, and everything they make the world do (routes, scaling,
 * promotion, events, alerts, hooks) is queued as effects: the tick writes the draft and its
 * effects as an intent before performing any of them (src/engine/intent.ts).
 */
export class TickContext {
  readonly cfg: ResolvedAnalysis;
  readonly status: CanaryStatus;
  readonly decisions: Decision[] = [];
  readonly effects: IntentEffect[] = [];
  readonly now: Date;
  readonly nowIso: string;

  constructor(
    readonly canary: Canary,
    readonly ports: Ports,
  ) {
    this.cfg = resolveAnalysis(canary);
    this.status = structuredClone(canary.status ?? {});
    this.now = ports.clock.now();
    this.nowIso = this.now.toISOString();
  }

  get phase(): Phase | undefined {
    return this.status.phase;
  }

  /** The Canary as the ports should see it: with the draft status (cookies, weights) applied. */
  get current(): Canary {
    return { ...this.canary, status: this.status };
  }

  setPhase(phase: Phase): void {
    if (this.status.phase === phase) return;
    this.status.phase = phase;
    this.status.lastTransitionTime = this.nowIso;
    const others = (this.status.conditions ?? []).filter((c) => c.type !== 'Promoted');
    const previous = this.status.conditions?.find((c) => c.type === 'Promoted');
    this.status.conditions = [promotedCondition(phase, previous, this.nowIso), ...others];
  }

  /** Queues an effect on the workloads; it happens after the intent is persisted. */
  act(effect: Extract<IntentEffect, { kind: 'scale-up' | 'scale-down' | 'promote' }>): void {
    this.effects.push(effect);
  }

  /**
   * Records a decision in status, with an event and the `event` hooks as its effects; every
   * decision carries a human reason and an id its effects repeat.
   */
  decide(action: DecisionAction, reason: string, type: 'Normal' | 'Warning' = 'Normal'): Promise<void> {
    const count = (this.status.decisionCount ?? 0) + 1;
    this.status.decisionCount = count;
    const id = nextDecisionId(this.canary, count);
    const decision: Decision = {
      id,
      time: this.nowIso,
      phase: this.status.phase ?? 'Initializing',
      action,
      reason,
      ...(this.status.canaryWeight !== undefined ? { canaryWeight: this.status.canaryWeight } : {}),
    };
    this.decisions.push(decision);
    this.status.decisions = [...(this.status.decisions ?? []), decision].slice(-MAX_DECISIONS);
    this.effects.push({ kind: 'event', decision: id, type, reason: action, message: reason });
    this.queueEventHooks(id, reason, type);
    return Promise.resolve();
  }

  /** The id of the decision taken last in this tick (alerts and hooks belong to it). */
  private get lastDecisionId(): string {
    return this.decisions.at(-1)?.id ?? nextDecisionId(this.canary, this.status.decisionCount ?? 0);
  }

  alert(severity: Severity, message: string): Promise<void> {
    this.effects.push({
      kind: 'alert',
      decision: this.lastDecisionId,
      severity,
      message,
      fields: this.alertFields(),
    });
    return Promise.resolve();
  }

  /** Queues every hook of a notifying type (post-rollout): their answers decide nothing. */
  queueHooks(type: 'post-rollout'): void {
    for (const hook of hooksOfType(this.cfg, type)) {
      this.effects.push({
        kind: 'hook',
        decision: this.lastDecisionId,
        hook: hook.name,
        hookType: type,
        phase: this.status.phase ?? 'Initializing',
      });
    }
  }

  recordChecks(outcomes: readonly CheckOutcome[]): void {
    const weight = this.status.canaryWeight ?? 0;
    const records: CheckRecord[] = outcomes.map((o) => ({
      name: o.name,
      kind: o.kind,
      verdict: o.verdict,
      ...(o.value !== undefined && Number.isFinite(o.value) ? { value: o.value } : {}),
      ...(o.primaryValue !== undefined && Number.isFinite(o.primaryValue)
        ? { primaryValue: o.primaryValue }
        : {}),
      ...(o.min !== undefined ? { min: o.min } : {}),
      ...(o.max !== undefined ? { max: o.max } : {}),
      message: o.message,
      time: this.nowIso,
      weight,
    }));
    this.status.checks = [...(this.status.checks ?? []), ...records].slice(-MAX_CHECKS);
  }

  /**
   * Starts a new evidence window now: what was measured before no longer describes the canary
   * (traffic moved), or has already been counted (a round of checks was spent).
   */
  startEvidenceWindow(): void {
    this.status.evidenceSince = this.nowIso;
  }

  /** Whether a full analysis interval has passed since the evidence window began. */
  get evidenceComplete(): boolean {
    return evidenceComplete(this.status, this.cfg.intervalMs, this.now);
  }

  /** Queues a traffic split and keeps status and session-affinity cookies in step with it. */
  setRoutes(routes: Routes): Promise<void> {
    if (
      routes.canaryWeight !== this.status.canaryWeight ||
      routes.mirrored !== (this.status.mirrored ?? false)
    )
      this.startEvidenceWindow();
    this.updateCookies(routes.canaryWeight);
    this.status.canaryWeight = routes.canaryWeight;
    this.status.mirrored = routes.mirrored;
    this.effects.push({ kind: 'routes', ...routes });
    return Promise.resolve();
  }

  private updateCookies(canaryWeight: number): void {
    const affinity = this.canary.spec.analysis?.sessionAffinity;
    if (!affinity || this.cfg.strategy !== 'canary') return;
    if (canaryWeight > 0) {
      this.status.sessionAffinityCookie ??= `${affinity.cookieName}=${this.randomToken()}`;
      if (affinity.primaryCookieName) {
        this.status.primarySessionAffinityCookie ??= `${affinity.primaryCookieName}=${this.randomToken()}`;
      }
    } else if (this.status.sessionAffinityCookie) {
      this.status.previousSessionAffinityCookie = this.status.sessionAffinityCookie;
      delete this.status.sessionAffinityCookie;
    }
  }

  private randomToken(): string {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    let out = '';
    for (let i = 0; i < 10; i++)
      out += letters[Math.floor(this.ports.clock.random() * letters.length)] ?? 'a';
    return out;
  }

  private alertFields(): Record<string, string> {
    const { targetRef } = this.canary.spec;
    const fields: Record<string, string> = {
      Target: `${targetRef.kind}/${targetRef.name}.${this.canary.metadata.namespace ?? 'default'}`,
      Phase: this.status.phase ?? 'Initializing',
    };
    if (this.status.canaryWeight !== undefined) fields.Weight = String(this.status.canaryWeight);
    return fields;
  }

  /**
   * Flagger's event hook metadata: the hook's own, then `eventMessage`, `eventType` (the
   * decision's severity) and `timestamp` (unix ms), which the hook's metadata cannot override.
   */
  private queueEventHooks(decision: string, message: string, type: 'Normal' | 'Warning'): void {
    for (const hook of hooksOfType(this.cfg, 'event')) {
      this.effects.push({
        kind: 'hook',
        decision,
        hook: hook.name,
        hookType: 'event',
        phase: this.status.phase ?? 'Initializing',
        metadata: {
          ...hook.metadata,
          eventMessage: message,
          eventType: type,
          timestamp: String(this.now.getTime()),
        },
      });
    }
  }
}
