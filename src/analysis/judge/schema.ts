import { z } from 'zod';

/** A latency change: relative (`10%`) or absolute (`25ms`). */
export const LATENCY_CHANGE_PATTERN = /^(\d+(?:\.\d+)?)(%|ms)$/;

const latencyChange = () =>
  z.string().regex(LATENCY_CHANGE_PATTERN, { error: 'expected a latency change such as 10% or 25ms' });

const rateRatio = (what: string) =>
  z.number().gt(1, { error: `expected ${what} as an error-rate ratio greater than 1, such as 1.5` });

export const ErrorTestSpec = z.strictObject({
  enabled: z.boolean().default(true),
  /** The smallest error-rate ratio (canary / primary) worth catching quickly; it sizes the prior. */
  minIncrease: rateRatio('minIncrease')
    .default(1.5)
    .meta({ description: 'Smallest canary/primary error-rate ratio worth catching quickly.' }),
  /** Non-inferiority margin: the canary passes early once its error-rate ratio is shown to be below this. */
  margin: rateRatio('margin')
    .default(1.5)
    .meta({ description: 'Pass early once the error-rate ratio is shown to be below this.' }),
});
export type ErrorTestSpec = z.output<typeof ErrorTestSpec>;

export const LatencyTestSpec = z.strictObject({
  enabled: z.boolean().default(true),
  /** The smallest slow-down worth catching quickly (`10%` or `25ms`); it sizes the mixing distribution. */
  minIncrease: latencyChange()
    .refine((v) => Number.parseFloat(v) > 0, {
      error: 'expected a latency change greater than 0, such as 10%',
    })
    .default('10%')
    .meta({ description: 'Smallest slow-down worth catching quickly: 10% or 25ms.' }),
  /** Non-inferiority margin: the canary passes early once it is shown to be at most this much slower. */
  margin: latencyChange().default('10%').meta({
    description: 'Pass early once the canary is shown to be at most this much slower: 10% or 25ms.',
  }),
  /**
   * How the spread of a window's difference is estimated: from how the window differences scatter
   * (default; robust to requests of a window being correlated), or from the requests inside it
   * (reacts a few windows sooner, but assumes independent requests).
   */
  variance: z
    .enum(['windows', 'requests'], { error: 'expected windows or requests' })
    .default('windows')
    .meta({
      description: 'Variance model: windows (between-window scatter) or requests (within-window spread).',
    }),
});
export type LatencyTestSpec = z.output<typeof LatencyTestSpec>;

export const MinSampleSpec = z.strictObject({
  /** Requests the canary must have served before the judge decides anything. */
  requests: z.number().int().min(0, { error: 'expected a whole number of requests, 0 or more' }).default(100),
});

/**
 * `analysis.judge`: canary against primary with anytime-valid sequential tests. Every field has a
 * default, so `judge: {}` switches the judge on with α = 0.05.
 */
export const JudgeSpec = z.strictObject({
  enabled: z.boolean().default(true),
  /** Bound on the probability of ever rolling back a canary that is as good as the primary. */
  alpha: z
    .number()
    .gt(0, { error: 'expected alpha in (0, 0.5], such as 0.05' })
    .lte(0.5, { error: 'expected alpha in (0, 0.5], such as 0.05' })
    .default(0.05)
    .meta({ description: 'Bound on the probability of ever failing a canary as good as the primary.' }),
  minSample: MinSampleSpec.prefault({}),
  errors: ErrorTestSpec.prefault({}),
  latency: LatencyTestSpec.prefault({}),
});
export type JudgeSpec = z.output<typeof JudgeSpec>;
export type JudgeSpecInput = z.input<typeof JudgeSpec>;

/** A parsed latency change. */
export type LatencyChange = { kind: 'ratio'; ratio: number } | { kind: 'ms'; ms: number };

export function parseLatencyChange(value: string): LatencyChange {
  const m = LATENCY_CHANGE_PATTERN.exec(value);
  if (!m) throw new Error(`expected a latency change such as 10% or 25ms, got "${value}"`);
  const amount = Number(m[1]);
  return m[2] === '%' ? { kind: 'ratio', ratio: 1 + amount / 100 } : { kind: 'ms', ms: amount };
}

/** Converts a latency change into a shift of mean log-latency, given the primary's typical latency. */
export function logShiftOf(change: LatencyChange, referenceMs: number): number {
  if (change.kind === 'ratio') return Math.log(change.ratio);
  return Math.log1p(change.ms / Math.max(referenceMs, Number.MIN_VALUE));
}
