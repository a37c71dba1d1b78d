/**
 * `spec.analysis.match` (Flagger's older `canaryAnalysis.match`) as the providers that render a
 * header-matching canary route read it: each entry with the path a finding names, and a finding
 * for every field of an entry the provider's route cannot match on (`name` is only a label).
 */
import { unsupportedBy, type CapabilityIssue } from '../../api/capability-issue.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface MatchEntry {
  /** `spec.analysis.match[i]`. */
  where: string;
  match: Json;
  /** The entry's `headers`, by name. */
  headers: [name: string, match: unknown][];
  /** The entry's fields the provider's route cannot match on, each refused by name. */
  issues: CapabilityIssue[];
}

export function matchEntries(
  spec: Readonly<Json>,
  provider: string,
  matchable: readonly string[],
): MatchEntry[] {
  const key = spec.analysis !== undefined ? 'analysis' : 'canaryAnalysis';
  const analysis = isRecord(spec[key]) ? spec[key] : {};
  const list = Array.isArray(analysis.match) ? analysis.match.filter(isRecord) : [];
  const allowed = new Set([...matchable, 'name']);
  return list.map((match, i) => {
    const where = `spec.${key}.match[${i}]`;
    const issues = Object.keys(match)
      .filter((k) => !allowed.has(k))
      .map((field) =>
        unsupportedBy(
          `${where}.${field}`,
          provider,
          `matching a canary route on anything but ${matchable.join(' and ')}`,
        ),
      );
    return { where, match, headers: Object.entries(isRecord(match.headers) ? match.headers : {}), issues };
  });
}
