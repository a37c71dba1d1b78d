import { z } from 'zod';

/** API groups Serin serves. Flagger's group is accepted unchanged and means the same thing. */
export const SERIN_GROUP = 'serin.dev';
export const FLAGGER_GROUP = 'flagger.app';
export const API_VERSION = 'v1beta1';
export const SERIN_API_VERSION = `${SERIN_GROUP}/${API_VERSION}`;
export const FLAGGER_API_VERSION = `${FLAGGER_GROUP}/${API_VERSION}`;

/**
 * Go-style durations (`30s`, `1m`, `1h30m`, `500ms`). Flagger's pattern `^[0-9]+(m|s)` is a prefix
 * match on the same values, so every Flagger duration is accepted here with the same meaning.
 */
export const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

export const duration = () =>
  z.string().regex(DURATION_PATTERN, { error: 'expected a duration such as 30s, 1m or 1h30m' });

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration that matched {@link DURATION_PATTERN} into milliseconds. */
export function parseDuration(value: string): number {
  if (!DURATION_PATTERN.test(value))
    throw new Error(`expected a duration such as 30s, 1m or 1h30m, got "${value}"`);
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  }
  return total;
}

/** Formats milliseconds back into the shortest duration string (used in messages and PromQL windows). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export const stringMap = () => z.record(z.string(), z.string());

/** An object whose contents are not Serin's to check (Istio policies, free-form metadata). */
export const opaqueObject = () =>
  z.record(z.string(), z.unknown()).meta({ 'x-kubernetes-preserve-unknown-fields': true });

export const intOrString = () =>
  z.union([z.number().int(), z.string()]).meta({ 'x-kubernetes-int-or-string': true });

export const ObjectMeta = z
  .looseObject({
    name: z.string().min(1, { error: 'expected a non-empty name' }),
    namespace: z.string().min(1).optional(),
    labels: stringMap().optional(),
    annotations: stringMap().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.number().int().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    finalizers: z.array(z.string()).optional(),
  })
  .meta({ description: 'Standard object metadata.' });
export type ObjectMeta = z.output<typeof ObjectMeta>;

export const CrossNamespaceObjectReference = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional(),
});

export const LocalReference = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
});

/** A condition in the shape of metav1.Condition. */
export const Condition = z.strictObject({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastUpdateTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  observedGeneration: z.number().int().optional(),
});
export type Condition = z.output<typeof Condition>;
