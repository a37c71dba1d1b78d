import {
  NOISE_GUARD_DEFAULT,
  type Canary,
  type CanaryAnalysis,
  type CanaryWebhook,
  type WebhookType,
} from '../api/canary.js';
import { FLAGGER_GROUP, parseDuration } from '../api/common.js';

export type Strategy = 'canary' | 'ab-testing' | 'blue-green';

/** Every analysis setting with Flagger's defaults applied: what the engine actually runs. */
export interface ResolvedAnalysis {
  strategy: Strategy;
  /** The document is flagger.app/v1beta1: keep Flagger's meaning where Serin differs. */
  flaggerCompat: boolean;
  intervalMs: number;
  threshold: number;
  /** 0 means "unknown counts as failed" (Flagger's behaviour). */
  unknownThreshold: number;
  maxWeight: number;
  stepWeight: number;
  stepWeights: number[];
  stepWeightPromotion: number;
  iterations: number;
  mirror: boolean;
  skipAnalysis: boolean;
  progressDeadlineMs: number;
  webhooks: CanaryWebhook[];
  /** A failed threshold check is compared with the primary's value in the same window. */
  noiseGuard: boolean;
}

/** Flagger raises shorter intervals to 10s; Serin documents may go down to 1s (local rehearsals, tests). */
const FLAGGER_MIN_INTERVAL_MS = 10_000;
const SERIN_MIN_INTERVAL_MS = 1_000;
const DEFAULT_INTERVAL_MS = 60_000;

export function isFlaggerDocument(canary: Canary): boolean {
  return canary.apiVersion.startsWith(`${FLAGGER_GROUP}/`);
}

export function analysisOf(canary: Canary): CanaryAnalysis | undefined {
  return canary.spec.analysis ?? canary.spec.canaryAnalysis;
}

export function strategyOf(canary: Canary): Strategy {
  const a = analysisOf(canary);
  const iterations = a?.iterations ?? 0;
  if (iterations > 0 && (a?.match?.length ?? 0) > 0) return 'ab-testing';
  if (iterations > 0) return 'blue-green';
  return 'canary';
}

export function analysisIntervalMs(canary: Canary): number {
  const a = analysisOf(canary);
  const floor = isFlaggerDocument(canary) ? FLAGGER_MIN_INTERVAL_MS : SERIN_MIN_INTERVAL_MS;
  const interval = a?.interval ? parseDuration(a.interval) : DEFAULT_INTERVAL_MS;
  return Math.max(floor, interval);
}

function maxWeightOf(a: CanaryAnalysis | undefined): number {
  const steps = a?.stepWeights ?? [];
  if (steps.length > 0) return Math.min(100, steps[steps.length - 1] ?? 100);
  return a?.maxWeight && a.maxWeight > 0 ? a.maxWeight : 100;
}

function budgets(
  canary: Canary,
  a: CanaryAnalysis | undefined,
): { threshold: number; unknownThreshold: number } {
  const threshold = a?.threshold && a.threshold > 0 ? a.threshold : 1;
  return { threshold, unknownThreshold: isFlaggerDocument(canary) ? 0 : (a?.unknownThreshold ?? threshold) };
}

/** `analysis.noiseGuard`, or its default for the document's kind. */
export function noiseGuardOf(canary: Canary): boolean {
  const fallback = isFlaggerDocument(canary) ? NOISE_GUARD_DEFAULT.flagger : NOISE_GUARD_DEFAULT.serin;
  return analysisOf(canary)?.noiseGuard ?? fallback;
}

export function resolveAnalysis(canary: Canary): ResolvedAnalysis {
  const a = analysisOf(canary);
  return {
    strategy: strategyOf(canary),
    flaggerCompat: isFlaggerDocument(canary),
    intervalMs: analysisIntervalMs(canary),
    ...budgets(canary, a),
    maxWeight: maxWeightOf(a),
    stepWeight: a?.stepWeight ?? 0,
    stepWeights: a?.stepWeights ?? [],
    stepWeightPromotion: a?.stepWeightPromotion ?? 0,
    iterations: a?.iterations ?? 0,
    mirror: a?.mirror ?? false,
    skipAnalysis: canary.spec.skipAnalysis === true || a === undefined,
    progressDeadlineMs: canary.spec.progressDeadlineSeconds * 1000,
    webhooks: a?.webhooks ?? [],
    noiseGuard: noiseGuardOf(canary),
  };
}

/** Flagger's next increment from the current canary weight (linear step, or the stepWeights list). */
export function nextStepWeight(cfg: ResolvedAnalysis, current: number): number {
  if (cfg.stepWeight > 0 || cfg.stepWeights.length === 0) return cfg.stepWeight;
  const remaining = 100 - current;
  if (remaining === 0) return 1;
  if (current === 0) return Math.min(remaining, cfg.stepWeights[0] ?? remaining);
  const at = cfg.stepWeights.indexOf(current);
  if (at >= 0 && at < cfg.stepWeights.length - 1) {
    return Math.min(remaining, (cfg.stepWeights[at + 1] ?? 100) - current);
  }
  return remaining;
}

export function hooksOfType(cfg: ResolvedAnalysis, type: WebhookType): CanaryWebhook[] {
  return cfg.webhooks.filter((h) => (h.type ?? 'rollout') === type);
}
