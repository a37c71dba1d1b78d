import { z } from 'zod';
import { ERROR_GRID_POINTS, initialErrorTestState } from './errors.js';
import { initialLatencyTestState, NO_LATENCY } from './latency.js';

const count = () => z.number().min(0);
const logLr = () => z.array(z.number()).length(ERROR_GRID_POINTS);

const ArmTotals = z.strictObject({ requests: count(), errors: count() });
const Cumulative = z.strictObject({
  count: count(),
  sumLog: z.number().nullable(),
  sumLogSquares: count().nullable(),
  sumMs: count().nullable(),
});
const Pooled = z.strictObject({ sumSquares: count(), degreesOfFreedom: count() });

/**
 * Everything the judge remembers between scrapes. Plain JSON, so it can be kept in a Canary's
 * status and handed back to `createJudge` after a restart; parsing it names the bad field.
 */
export const JudgeState = z.strictObject({
  version: z.literal(1),
  observations: z.number().int().min(0),
  /** Latest cumulative counter readings on each arm (the next increments are measured from here). */
  latest: z.strictObject({ canary: ArmTotals, primary: ArmTotals }),
  /** Counts since the start of the run, summed over increments (so counter resets do not lose them). */
  totals: z.strictObject({ canary: ArmTotals, primary: ArmTotals }),
  /** Cumulative latency moments already folded into the latency test (later windows are measured from here). */
  latencyConsumed: z.strictObject({ canary: Cumulative, primary: Cumulative }),
  errors: z.strictObject({ regression: logLr(), nonInferiority: logLr() }),
  latency: z.strictObject({
    canary: Pooled,
    primary: Pooled,
    precision: count(),
    score: z.number(),
    windows: z.number().int().min(0),
    weightedSum: z.number(),
    weightSum: count(),
    weightedSquares: count(),
    tau: z.number().positive().nullable(),
  }),
  /** Set once the judge has failed the canary: a rejection by an anytime-valid test is final. */
  failed: z.strictObject({ reason: z.string() }).nullable(),
});
export type JudgeState = z.output<typeof JudgeState>;

export function initialJudgeState(): JudgeState {
  return {
    version: 1,
    observations: 0,
    latest: { canary: { requests: 0, errors: 0 }, primary: { requests: 0, errors: 0 } },
    totals: { canary: { requests: 0, errors: 0 }, primary: { requests: 0, errors: 0 } },
    latencyConsumed: { canary: { ...NO_LATENCY }, primary: { ...NO_LATENCY } },
    errors: initialErrorTestState(),
    latency: initialLatencyTestState(),
    failed: null,
  };
}

/** Parses a persisted state, with a message naming the first bad field. */
export function parseJudgeState(value: unknown): JudgeState {
  const result = JudgeState.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new Error(
    `invalid judge state at ${path === '' ? '(root)' : path}: ${issue?.message ?? 'unknown problem'}`,
  );
}
