/**
 * The sequential judge: canary against primary at every scrape, with an error-count test and a
 * latency test that are both anytime-valid. `createJudge(spec, state?)` returns an object whose
 * `observe` folds in the latest cumulative counts and says fail, pass-early or continue.
 */
import { evaluateErrorTest, updateErrorTest } from './errors.js';
import { histogramQuantile } from './histogram.js';
import { finiteExp, formatFactor, formatMs, formatPercent, formatRatio } from './format.js';
import { evaluateLatencyTest, updateLatencyTest, windowLatency, type CumulativeLatency } from './latency.js';
import { checkArm, increase, type CheckedArm, type JudgeObservation } from './observation.js';
import { JudgeSpec, logShiftOf, parseLatencyChange, type JudgeSpecInput } from './schema.js';
import { initialJudgeState, parseJudgeState, type JudgeState } from './state.js';

export interface ErrorEvidence {
  /** Bayes factor for "canary error rate higher" against "same as primary". */
  bayesFactor: number;
  /** The factor at which the judge fails the canary: 1 / (α share of this test). */
  threshold: number;
  canaryErrors: number;
  canaryRequests: number;
  primaryErrors: number;
  primaryRequests: number;
  canaryErrorRate: number | null;
  primaryErrorRate: number | null;
  /** Observed canary/primary error-rate ratio; null while the primary has no errors. */
  rateRatio: number | null;
  /** Bayes factor for "ratio below the margin" against "ratio at the margin or worse". */
  nonInferiorityBayesFactor: number;
  margin: number;
}

export interface LatencyEvidence {
  /** mSPRT mixture likelihood ratio for "canary mean log-latency differs" against "equal". */
  statistic: number;
  threshold: number;
  /** Estimated difference at the primary's typical latency, and the confidence-sequence bounds. */
  effectMs: number;
  /** null while the confidence sequence is still unbounded on that side (the first windows). */
  lowerMs: number | null;
  upperMs: number | null;
  /** The same as ratios of geometric-mean latency, canary / primary. */
  effectRatio: number;
  lowerRatio: number | null;
  upperRatio: number | null;
  /** Geometric-mean latency of the primary and the canary's estimate on the same footing. */
  primaryMs: number;
  canaryMs: number;
  /** Non-inferiority margin in milliseconds at the primary's typical latency. */
  marginMs: number;
  /** Since the start of the run, when latency came as histogram buckets (histogram_quantile style). */
  quantiles?: { canaryP50Ms: number; canaryP99Ms: number; primaryP50Ms: number; primaryP99Ms: number };
}

export type JudgeVerdict = 'fail' | 'pass-early' | 'continue';

export interface JudgeDecision {
  verdict: JudgeVerdict;
  reason: string;
  evidence: { errors?: ErrorEvidence; latency?: LatencyEvidence };
}

export interface Judge {
  observe(observation: JudgeObservation): JudgeDecision;
  /** A copy of the state, plain JSON, to persist and hand back to `createJudge` later. */
  state(): JudgeState;
  readonly spec: JudgeSpec;
}

export function createJudge(specInput: JudgeSpecInput | JudgeSpec = {}, persisted?: unknown): Judge {
  const spec = parseJudgeSpec(specInput);
  let state = persisted === undefined ? initialJudgeState() : parseJudgeState(persisted);
  return {
    spec,
    state: () => structuredClone(state),
    observe(observation) {
      const canary = checkArm(observation.canary, 'canary');
      const primary = checkArm(observation.primary, 'primary');
      state = fold(state, spec, canary, primary);
      const decision = decide(state, spec);
      if (decision.verdict === 'fail' && state.failed === null)
        state = { ...state, failed: { reason: decision.reason } };
      const quantiles = histogramQuantiles(observation);
      if (decision.evidence.latency && quantiles) decision.evidence.latency.quantiles = quantiles;
      return decision;
    },
  };
}

function histogramQuantiles(observation: JudgeObservation): LatencyEvidence['quantiles'] {
  const c = observation.canary.latency;
  const p = observation.primary.latency;
  if (!c || !p || !('buckets' in c) || !('buckets' in p)) return undefined;
  return {
    canaryP50Ms: histogramQuantile(0.5, c.buckets),
    canaryP99Ms: histogramQuantile(0.99, c.buckets),
    primaryP50Ms: histogramQuantile(0.5, p.buckets),
    primaryP99Ms: histogramQuantile(0.99, p.buckets),
  };
}

/** Parses `analysis.judge`, with a message naming the first bad field. */
export function parseJudgeSpec(value: unknown): JudgeSpec {
  const result = JudgeSpec.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new Error(
    `invalid judge spec at ${path === '' ? '(root)' : path}: ${issue?.message ?? 'unknown problem'}`,
  );
}

/** Folds one scrape's cumulative counts into a new state. */
function fold(state: JudgeState, spec: JudgeSpec, canary: CheckedArm, primary: CheckedArm): JudgeState {
  const window = {
    canaryRequests: increase(canary.requests, state.latest.canary.requests),
    canaryErrors: increase(canary.errors, state.latest.canary.errors),
    primaryRequests: increase(primary.requests, state.latest.primary.requests),
    primaryErrors: increase(primary.errors, state.latest.primary.errors),
  };
  const next: JudgeState = {
    ...state,
    observations: state.observations + 1,
    latest: {
      canary: { requests: canary.requests, errors: canary.errors },
      primary: { requests: primary.requests, errors: primary.errors },
    },
    totals: {
      canary: {
        requests: state.totals.canary.requests + window.canaryRequests,
        errors: state.totals.canary.errors + window.canaryErrors,
      },
      primary: {
        requests: state.totals.primary.requests + window.primaryRequests,
        errors: state.totals.primary.errors + window.primaryErrors,
      },
    },
    errors: updateErrorTest(state.errors, window, spec.errors),
  };
  if (canary.latency === null || primary.latency === null) return next;
  const c = windowLatency(canary.latency, state.latencyConsumed.canary);
  const p = windowLatency(primary.latency, state.latencyConsumed.primary);
  // No requests on an arm in this window: leave it unconsumed, so it joins the next one.
  if (c === null || p === null) return next;
  const minIncrease = parseLatencyChange(spec.latency.minIncrease);
  return {
    ...next,
    latency: updateLatencyTest(state.latency, c, p, (logMean) => logShiftOf(minIncrease, Math.exp(logMean))),
    latencyConsumed: { canary: canary.latency, primary: primary.latency },
  };
}

/** Geometric mean when log moments are known, else the arithmetic mean from _sum and _count. */
function typicalMs(c: CumulativeLatency): number {
  if (c.sumLog !== null) return Math.exp(c.sumLog / c.count);
  return (c.sumMs ?? Number.NaN) / c.count;
}

interface TestOutcome<E> {
  evidence: E;
  fails: boolean;
  nonInferior: boolean;
}

function enabledTests(spec: JudgeSpec): number {
  return (spec.errors.enabled ? 1 : 0) + (spec.latency.enabled ? 1 : 0);
}

function errorOutcome(state: JudgeState, spec: JudgeSpec, threshold: number): TestOutcome<ErrorEvidence> {
  const { logBayesFactor, logNonInferiorityBayesFactor } = evaluateErrorTest(state.errors, spec.errors);
  const { canary, primary } = state.totals;
  const rate = (a: { requests: number; errors: number }) => (a.requests > 0 ? a.errors / a.requests : null);
  const canaryErrorRate = rate(canary);
  const primaryErrorRate = rate(primary);
  const rateRatio =
    canaryErrorRate !== null && primaryErrorRate !== null && primaryErrorRate > 0
      ? canaryErrorRate / primaryErrorRate
      : null;
  return {
    evidence: {
      bayesFactor: finiteExp(logBayesFactor),
      threshold,
      canaryErrors: canary.errors,
      canaryRequests: canary.requests,
      primaryErrors: primary.errors,
      primaryRequests: primary.requests,
      canaryErrorRate,
      primaryErrorRate,
      rateRatio,
      nonInferiorityBayesFactor: finiteExp(logNonInferiorityBayesFactor),
      margin: spec.errors.margin,
    },
    fails: logBayesFactor >= Math.log(threshold),
    nonInferior: logNonInferiorityBayesFactor >= Math.log(threshold),
  };
}

function latencyOutcome(
  state: JudgeState,
  spec: JudgeSpec,
  alpha: number,
  threshold: number,
): TestOutcome<LatencyEvidence> | null {
  const estimate = evaluateLatencyTest(state.latency, alpha, spec.latency.variance);
  if (estimate === null) return null;
  const primaryMs = typicalMs(state.latencyConsumed.primary);
  const ms = (logShift: number) => primaryMs * Math.expm1(logShift);
  const marginLog = logShiftOf(parseLatencyChange(spec.latency.margin), primaryMs);
  return {
    evidence: {
      statistic: finiteExp(estimate.logStatistic),
      threshold,
      effectMs: ms(estimate.effect),
      lowerMs: bounded(ms(estimate.lower)),
      upperMs: bounded(ms(estimate.upper)),
      effectRatio: Math.exp(estimate.effect),
      lowerRatio: bounded(Math.exp(estimate.lower)),
      upperRatio: bounded(Math.exp(estimate.upper)),
      primaryMs,
      canaryMs: primaryMs * Math.exp(estimate.effect),
      marginMs: ms(marginLog),
    },
    fails: estimate.logStatistic >= Math.log(threshold) && estimate.effect > 0,
    nonInferior: estimate.upper < marginLog,
  };
}

interface Outcomes {
  errors: TestOutcome<ErrorEvidence> | null;
  latency: TestOutcome<LatencyEvidence> | null;
  evidence: JudgeDecision['evidence'];
}

/** Runs every enabled test. Bonferroni: each spends an equal share of α, so together they never exceed it. */
function evaluateTests(state: JudgeState, spec: JudgeSpec, tests: number): Outcomes {
  const alpha = spec.alpha / tests;
  const threshold = 1 / alpha;
  const errors = spec.errors.enabled ? errorOutcome(state, spec, threshold) : null;
  const latency = spec.latency.enabled ? latencyOutcome(state, spec, alpha, threshold) : null;
  const evidence: JudgeDecision['evidence'] = {};
  if (errors) evidence.errors = errors.evidence;
  if (latency) evidence.latency = latency.evidence;
  return { errors, latency, evidence };
}

function minSampleReason(state: JudgeState, spec: JudgeSpec): string | null {
  const { canary, primary } = state.totals;
  const min = spec.minSample.requests;
  if (canary.requests >= min && primary.requests >= min) return null;
  return `waiting for ${min} requests on each arm (canary ${canary.requests}, primary ${primary.requests})`;
}

/** Pass early only when every enabled test has shown the canary within its margin. */
function allNonInferior(spec: JudgeSpec, { errors, latency }: Outcomes): boolean {
  const errorsOk = !spec.errors.enabled || errors?.nonInferior === true;
  const latencyOk = !spec.latency.enabled || latency?.nonInferior === true;
  return errorsOk && latencyOk;
}

/** The verdict for the current state. */
export function decide(state: JudgeState, spec: JudgeSpec): JudgeDecision {
  const tests = enabledTests(spec);
  if (!spec.enabled || tests === 0) return { verdict: 'continue', reason: 'judge disabled', evidence: {} };
  const outcomes = evaluateTests(state, spec, tests);
  const { errors, latency, evidence } = outcomes;
  if (state.failed) return { verdict: 'fail', reason: state.failed.reason, evidence };
  const waiting = minSampleReason(state, spec);
  if (waiting !== null) return { verdict: 'continue', reason: waiting, evidence };
  if (errors?.fails) return { verdict: 'fail', reason: errorFailure(errors.evidence), evidence };
  if (latency?.fails) return { verdict: 'fail', reason: latencyFailure(latency.evidence), evidence };
  if (allNonInferior(spec, outcomes))
    return { verdict: 'pass-early', reason: passEarly(evidence.errors, evidence.latency), evidence };
  return { verdict: 'continue', reason: progress(evidence.errors, evidence.latency, spec), evidence };
}

function errorFailure(e: ErrorEvidence): string {
  return (
    `canary error rate ${formatPercent(e.canaryErrorRate ?? 0)} vs primary ${formatPercent(e.primaryErrorRate ?? 0)} ` +
    `(Bayes factor ${formatFactor(e.bayesFactor)} ≥ ${formatFactor(e.threshold)})`
  );
}

/** JSON has no infinity: an unbounded side of the interval is reported as null. */
function bounded(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function plusMinus(l: LatencyEvidence): string {
  const size = formatMs(Math.abs(l.effectMs));
  if (l.upperMs === null || l.lowerMs === null) return `${size} (interval not bounded yet)`;
  return `${size} ± ${formatMs((l.upperMs - l.lowerMs) / 2)}`;
}

function latencyFailure(l: LatencyEvidence): string {
  return (
    `canary is ${plusMinus(l)} slower than primary (${formatMs(l.canaryMs)} vs ${formatMs(l.primaryMs)} typical; ` +
    `mSPRT ${formatFactor(l.statistic)} ≥ ${formatFactor(l.threshold)})`
  );
}

function passEarly(e: ErrorEvidence | undefined, l: LatencyEvidence | undefined): string {
  const parts: string[] = [];
  if (e)
    parts.push(
      `error-rate ratio below ${formatRatio(e.margin)} (Bayes factor ${formatFactor(e.nonInferiorityBayesFactor)} ≥ ${formatFactor(e.threshold)})`,
    );
  if (l)
    parts.push(`latency at most ${formatMs(l.upperMs ?? Infinity)} slower (margin ${formatMs(l.marginMs)})`);
  return `no regression beyond the margins: ${parts.join('; ')}`;
}

function progress(e: ErrorEvidence | undefined, l: LatencyEvidence | undefined, spec: JudgeSpec): string {
  const parts: string[] = [];
  if (e)
    parts.push(`errors Bayes factor ${formatFactor(e.bayesFactor)} (fails at ${formatFactor(e.threshold)})`);
  if (l) {
    const direction = l.effectMs >= 0 ? 'slower' : 'faster';
    parts.push(
      `latency mSPRT ${formatFactor(l.statistic)} (fails at ${formatFactor(l.threshold)}), canary ${plusMinus(l)} ${direction}`,
    );
  } else if (spec.latency.enabled) parts.push('latency: no data yet');
  return `no decision yet: ${parts.join('; ')}`;
}
