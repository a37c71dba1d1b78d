/**
 * The rollout engine: a pure phase machine over a Canary's spec and status, acting only through
 * {@link Ports}. Platforms call {@link advance} once per analysis interval (and whenever a
 * control command arrives), and {@link terminate} when a Canary with revertOnDeletion is deleted.
 */
export { advance, terminate } from './tick.js';
export type { TickResult } from './tick.js';
export { analysisIntervalMs, resolveAnalysis, strategyOf } from './analysis-config.js';
export type { ResolvedAnalysis, Strategy } from './analysis-config.js';
export { isTerminalPhase } from './phases.js';
export { commandRefusal, refusalFor } from './control.js';
export { evidenceDueAt } from './pacing.js';
export { DecisionAction, WARNING_DECISIONS } from './decisions.js';
export { rolloutPlan } from './plan.js';
export type { PlanStep, RolloutPlan } from './plan.js';
export type * from './ports.js';
