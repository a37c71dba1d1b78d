/**
 * Go-style durations (`30s`, `1m`, `1h30m`, `500ms`), apart from the schemas in common.ts so that
 * the CLI parses duration flags without loading zod. Flagger's pattern `^[0-9]+(m|s)` is a prefix
 * match on the same values, so every Flagger duration is accepted here with the same meaning.
 */
export const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/**
 * Flagger's CRD pattern for a metric's `interval`, a prefix match: `1min` passes it. Flagger renders
 * the value into the query as written, and Graphite's own unit is `min` (its `m` is an error), so
 * Flagger's Graphite docs write `interval: 1min`.
 */
export const FLAGGER_INTERVAL_PATTERN = /^[0-9]+(m|s)/;

/** Metric providers whose queries take `{{ interval }}` in their own time syntax, not a duration. */
const VERBATIM_INTERVAL_PROVIDERS: readonly string[] = ['graphite'];

/** Whether a metric provider reads `{{ interval }}` in its own syntax (Graphite's `1min`). */
export function readsIntervalVerbatim(provider: string | undefined): boolean {
  return provider !== undefined && VERBATIM_INTERVAL_PROVIDERS.includes(provider);
}

/**
 * Whether `provider` (undefined: PromQL, a built-in or inline query) can run a metric with this
 * interval: a duration anywhere, another syntax only where the provider reads it verbatim.
 */
export function intervalReadableBy(interval: string, provider: string | undefined): boolean {
  return DURATION_PATTERN.test(interval) || readsIntervalVerbatim(provider);
}

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
