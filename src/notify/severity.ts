import type { Severity } from '../engine/ports.js';

const RANK: Record<Severity, number> = { info: 0, warn: 1, error: 2 };

/**
 * Whether an alert entry with `threshold` receives an alert of `severity`: info receives all,
 * warn receives warn and error, error receives error only. An entry without a severity is info
 * (Flagger documents that, but its code sends such an entry nothing).
 */
export function receives(threshold: Severity | undefined, severity: Severity): boolean {
  return RANK[severity] >= RANK[threshold ?? 'info'];
}
