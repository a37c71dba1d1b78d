/**
 * The step plan of a run and an estimate of when it promotes, from the same rules the engine
 * follows: the weights `nextStepWeight` walks to `maxWeight` (or the iterations of blue/green and
 * A/B), one full analysis interval of evidence per step (pacing.ts), promotion after the last. The
 * dashboard and `serin status` both show this; neither computes its own.
 */
import type { Canary, CanaryStatus } from '../api/canary.js';
import { nextStepWeight, resolveAnalysis, type ResolvedAnalysis } from './analysis-config.js';
import { evidenceDueAt } from './pacing.js';
import { isTerminalPhase } from './phases.js';

export interface PlanStep {
  /** `weight`: traffic shifts to `canaryWeight`; `iteration`: one more round at the same routes. */
  kind: 'weight' | 'iteration' | 'switch' | 'promote';
  /** The canary's traffic weight while this step's evidence is gathered. */
  canaryWeight: number;
  label: string;
}

export interface RolloutPlan {
  steps: PlanStep[];
  /** Index of the step in effect now; -1 before the first step (or before the run started). */
  current: number;
  intervalMs: number;
  /** When promotion is expected (ISO), if nothing fails, waits or is paused; absent when it cannot be estimated. */
  promotionEta?: string;
  /** Why there is no estimate: finished, paused, waiting at a gate. */
  noEtaReason?: string;
}

/** Safety bound: a stepWeights list or a stepWeight of 1 gives at most 100 steps. */
const MAX_STEPS = 101;

function weightSteps(cfg: ResolvedAnalysis): PlanStep[] {
  const steps: PlanStep[] = [];
  let weight = 0;
  while (weight < cfg.maxWeight && steps.length < MAX_STEPS) {
    const step = nextStepWeight(cfg, weight);
    if (step <= 0) break;
    weight = Math.min(cfg.maxWeight, weight + step);
    steps.push({ kind: 'weight', canaryWeight: weight, label: `${weight}%` });
  }
  return steps;
}

function iterationSteps(cfg: ResolvedAnalysis, canaryWeight: number): PlanStep[] {
  return Array.from({ length: cfg.iterations }, (_, i) => ({
    kind: 'iteration' as const,
    canaryWeight,
    label: `iteration ${i + 1}/${cfg.iterations}`,
  }));
}

function stepsOf(cfg: ResolvedAnalysis): PlanStep[] {
  const promote: PlanStep = { kind: 'promote', canaryWeight: 0, label: 'promote' };
  switch (cfg.strategy) {
    case 'ab-testing':
      return [...iterationSteps(cfg, 100), promote];
    case 'blue-green':
      return [
        ...iterationSteps(cfg, 0),
        { kind: 'switch', canaryWeight: 100, label: 'all traffic to the canary' },
        promote,
      ];
    default:
      return [...weightSteps(cfg), promote];
  }
}

/** The step the status is at: by weight for a canary, by iterations done for the others. */
function currentStep(cfg: ResolvedAnalysis, steps: readonly PlanStep[], status: CanaryStatus): number {
  if (status.phase === 'Succeeded') return steps.length - 1;
  if (cfg.strategy === 'canary') {
    const weight = status.canaryWeight ?? 0;
    return steps.findLastIndex((s) => s.kind === 'weight' && s.canaryWeight <= weight);
  }
  // Iterations done (blue/green records iterations + 1 once all traffic switched to the canary).
  return Math.min(status.iterations ?? 0, steps.length - 1) - 1;
}

function noEtaReason(status: CanaryStatus): string | undefined {
  const phase = status.phase;
  if (phase === undefined || phase === 'Initializing') return 'the run has not started';
  if (isTerminalPhase(phase)) return `the run is over (${phase})`;
  if (phase === 'Terminating' || phase === 'Terminated') return 'the Canary is being deleted';
  if (status.paused === true) return 'paused';
  if (status.waitingFor !== undefined) return `waiting for the ${status.waitingFor} gate`;
  if (phase === 'WaitingPromotion') return 'waiting for the confirm-promotion gate';
  if (phase === 'Waiting') return 'waiting for the confirm-rollout gate';
  if (phase === 'Promoting' || phase === 'Finalising') return 'promotion is under way';
  return undefined;
}

export function rolloutPlan(canary: Canary, status: CanaryStatus | undefined, now: Date): RolloutPlan {
  const cfg = resolveAnalysis(canary);
  const steps = stepsOf(cfg);
  const current = status ? currentStep(cfg, steps, status) : -1;
  const plan: RolloutPlan = { steps, current, intervalMs: cfg.intervalMs };
  const why = status ? noEtaReason(status) : 'the run has not started';
  if (why !== undefined) return { ...plan, noEtaReason: why };
  // One interval of evidence per step still ahead, the current one ending when its window is complete.
  const remaining = steps.length - 1 - current;
  const due = Math.max(now.getTime(), evidenceDueAt(canary, status) ?? now.getTime() + cfg.intervalMs);
  const eta = due + Math.max(0, remaining - 1) * cfg.intervalMs;
  return { ...plan, promotionEta: new Date(eta).toISOString() };
}
