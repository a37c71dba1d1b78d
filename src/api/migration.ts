/**
 * `serin migrate check`'s judgement of one Canary: will Serin run it as written, what will behave
 * differently from Flagger (documented differences), and what it will not run. Built from the
 * schema (validity, as Flagger's CRD) and src/api/capabilities.ts (support): no rule of its own
 * decides whether something runs.
 */
import { isKnativeTarget } from '../routing/providers/knative.js';
import { canaryCapabilities, type CapabilityOptions } from './capabilities.js';
import { validateDocument } from './documents.js';

export type Verdict = 'Runs' | 'RunsWithDifferences' | 'NotSupported' | 'Invalid';

export interface Finding {
  path: string;
  message: string;
}

export interface Assessment {
  namespace: string;
  name: string;
  group: string;
  provider: string;
  verdict: Verdict;
  /** What Serin will not run, or what is not valid: each stops the Canary. */
  problems: Finding[];
  /** Runs, but not as Flagger would: each a documented difference. */
  differences: Finding[];
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const record = (v: unknown): Json => (isRecord(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function headerSuffixes(analysis: Json, key: string): Finding[] {
  const out: Finding[] = [];
  list(analysis.match).forEach((m, i) => {
    for (const [header, match] of Object.entries(record(record(m).headers))) {
      if (record(match).suffix !== undefined) {
        out.push({
          path: `spec.${key}.match[${i}].headers.${header}.suffix`,
          message:
            "matched as a suffix (an equivalent regex); Flagger's Istio router drops suffix and matches any request that has the header",
        });
      }
    }
  });
  return out;
}

/** Documented differences from Flagger for a Canary Serin runs (docs/migrating-from-flagger.md). */
function differencesOf(raw: Json, options: CapabilityOptions): Finding[] {
  const spec = record(raw.spec);
  const key = spec.analysis !== undefined ? 'analysis' : 'canaryAnalysis';
  const analysis = record(spec[key]);
  const out: Finding[] = [];
  if (spec.provider === undefined || spec.provider === '') {
    out.push({
      path: 'spec.provider',
      message: `not set: Serin routes with ${options.defaultProvider ?? 'istio'} (its --provider), where Flagger used its -mesh-provider flag`,
    });
  }
  if (spec.provider === 'gatewayapi:v1beta1') {
    out.push({
      path: 'spec.provider',
      message:
        'Serin writes gateway.networking.k8s.io/v1 HTTPRoutes (the same resource on clusters that serve v1)',
    });
  }
  for (const field of ['interval', 'threshold'] as const) {
    if (spec[key] !== undefined && analysis[field] === undefined) {
      out.push({
        path: `spec.${key}.${field}`,
        message: `not set: Serin applies Flagger's code default (${field === 'interval' ? '60s' : '1'}); Flagger's CRD requires it`,
      });
    }
  }
  out.push(...headerSuffixes(analysis, key));
  if (spec.revertOnDeletion !== true) {
    out.push({
      path: 'spec.revertOnDeletion',
      message: isKnativeTarget(record(spec.targetRef))
        ? "not set: on deletion Serin gives the Knative Service's traffic back (all to its latest revision; Flagger leaves it pinned to the primary revision)"
        : 'not set: on deletion Serin still gives the target its replicas back before the primary goes (Flagger leaves it at 0)',
    });
  }
  return out;
}

/** Assesses one Canary document (raw, as read from a file or the cluster). */
export function assessCanary(raw: unknown, options: CapabilityOptions = {}): Assessment {
  const doc = record(raw);
  const meta = record(doc.metadata);
  const spec = record(doc.spec);
  const parsed = validateDocument(raw);
  const capabilities = canaryCapabilities(raw, options);
  const invalid = parsed.diagnostics.filter((d) => d.severity === 'error');
  const refused = capabilities.filter((c) => c.severity === 'error');
  const problems = [...refused, ...invalid].map(({ path, message }) => ({ path, message }));
  const ignored = capabilities
    .filter((c) => c.severity === 'warning')
    .map(({ path, message }) => ({ path, message }));
  const pruned = parsed.diagnostics
    .filter((d) => d.severity === 'warning')
    .map(({ path, message }) => ({ path, message }));
  const differences = problems.length > 0 ? [] : [...differencesOf(doc, options), ...ignored, ...pruned];
  let verdict: Verdict = differences.length > 0 ? 'RunsWithDifferences' : 'Runs';
  // Something Serin does not run yet explains the rest (a knative Canary has no spec.service).
  if (invalid.length > 0) verdict = 'Invalid';
  if (refused.some((c) => c.reason === 'NotSupported')) verdict = 'NotSupported';
  else if (refused.length > 0) verdict = 'Invalid';
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
  return {
    namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
    name: typeof meta.name === 'string' ? meta.name : '',
    group: apiVersion.split('/')[0] ?? '',
    provider: typeof spec.provider === 'string' && spec.provider !== '' ? spec.provider : '<default>',
    verdict,
    problems,
    differences,
  };
}

export function runnable(a: Assessment): boolean {
  return a.verdict === 'Runs' || a.verdict === 'RunsWithDifferences';
}
