/**
 * The JSON Prometheus answers on `/api/v1/query`, checked with zod. Sample values are strings;
 * `NaN`, `+Inf` and `-Inf` are spelled out and mapped here because `Number("+Inf")` is NaN.
 */
import { z } from 'zod';

const SampleValue = z.tuple([z.number(), z.string()]);

const VectorSample = z.object({
  metric: z.record(z.string(), z.string()),
  value: SampleValue,
});

const MatrixSeries = z.object({
  metric: z.record(z.string(), z.string()),
  values: z.array(SampleValue),
});

export const QueryResponse = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(VectorSample) }),
      z.object({ resultType: z.literal('scalar'), result: SampleValue }),
      z.object({ resultType: z.literal('string'), result: SampleValue }),
      z.object({ resultType: z.literal('matrix'), result: z.array(MatrixSeries) }),
    ]),
    warnings: z.array(z.string()).optional(),
  }),
  z.object({
    status: z.literal('error'),
    errorType: z.string().optional(),
    error: z.string().optional(),
  }),
]);
export type QueryResponse = z.output<typeof QueryResponse>;

export function parseSampleValue(text: string): number {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    default: {
      const value = Number(text);
      if (text.trim() === '' || Number.isNaN(value)) throw new Error(`expected a number, got "${text}"`);
      return value;
    }
  }
}
