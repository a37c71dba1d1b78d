/**
 * Serin-only spec fields on Canaries whose CRD would prune them (ADR 0010). Flagger's stock CRD
 * drops `analysis.judge`, `analysis.unknownThreshold`, `service.routing` and any other field it
 * does not declare; the supported place for them is the `serin.dev/spec` annotation, a JSON object
 * merged over `spec` before validation. Fields a user applied that the API server pruned are
 * reported, never ignored: `kubectl apply` keeps what was sent in its last-applied annotation, and
 * every spec path there that the live object lacks is named in a Warning Event.
 */
import type { Canary } from '../api/canary.js';
import type { NotifierPort } from '../engine/ports.js';
import type { KubeObject } from './client.js';

export const SPEC_ANNOTATION = 'serin.dev/spec';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = Record<string, unknown>;

const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `over` merged into `base`: objects field by field, anything else replaced. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (!isJson(base) || !isJson(over)) return over;
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}

/**
 * The Canary as Serin reads it: the `serin.dev/spec` annotation merged over its spec. A malformed
 * annotation is an error naming it (the Canary is then reported invalid, not run without it).
 */
export function withSpecExtensions(raw: KubeObject): { object: KubeObject } | { error: string } {
  const text = raw.metadata.annotations?.[SPEC_ANNOTATION];
  if (text === undefined) return { object: raw };
  let extension: unknown;
  try {
    extension = JSON.parse(text);
  } catch {
    return { error: `metadata.annotations.${SPEC_ANNOTATION}: expected a JSON object of spec fields` };
  }
  if (!isJson(extension)) {
    return { error: `metadata.annotations.${SPEC_ANNOTATION}: expected a JSON object of spec fields` };
  }
  return { object: { ...raw, spec: deepMerge(raw.spec ?? {}, extension) } };
}

function missingPaths(sent: unknown, live: unknown, path: string): string[] {
  if (!isJson(sent)) return [];
  if (!isJson(live)) return [];
  return Object.entries(sent).flatMap(([key, value]) => {
    const at = `${path}.${key}`;
    if (value === null) return []; // nulls are dropped by every server, not a pruned field
    if (!(key in live)) return [at];
    if (Array.isArray(value) && Array.isArray(live[key])) {
      const items = live[key] as unknown[];
      return value.flatMap((item, index) => missingPaths(item, items[index], `${at}[${index}]`));
    }
    return missingPaths(value, live[key], at);
  });
}

/** Spec fields the user applied (per kubectl's last-applied annotation) that the live Canary lacks. */
export function prunedSpecFields(raw: KubeObject): string[] {
  const text = raw.metadata.annotations?.[LAST_APPLIED];
  if (text === undefined) return [];
  let sent: unknown;
  try {
    sent = JSON.parse(text);
  } catch {
    return [];
  }
  return isJson(sent) ? missingPaths(sent.spec, raw.spec, 'spec') : [];
}

/** The generation last reported per Canary uid, so a warning is recorded once per spec change. */
const reported = new Map<string, number | undefined>();

/** Records a Warning Event naming every pruned spec field, once per generation. */
export async function reportPrunedSpec(
  notifier: NotifierPort,
  raw: KubeObject,
  canary: Canary,
): Promise<void> {
  const uid = raw.metadata.uid ?? '';
  if (reported.has(uid) && reported.get(uid) === raw.metadata.generation) return;
  const pruned = prunedSpecFields(raw);
  reported.set(uid, raw.metadata.generation);
  if (pruned.length === 0) return;
  await notifier.event(canary, {
    type: 'Warning',
    reason: 'SpecFieldsPruned',
    message:
      `the API server dropped ${pruned.join(', ')}: this Canary's CRD does not declare them. ` +
      `Put Serin-only fields in the ${SPEC_ANNOTATION} annotation, or install the superset CRD ` +
      '(serin install --render --flagger-crd superset)',
  });
}
