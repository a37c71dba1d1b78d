/**
 * ingress-nginx (`spec.provider: nginx`), as Flagger's IngressRouter (pkg/router/ingress.go): the
 * user's Ingress (`spec.ingressRef`) is left as it is, routing `<svc>`, whose selector is the
 * primary's; Serin writes `<ingress>-canary`, the user's spec with the apex backend pointed at
 * `<svc>-canary`, which ingress-nginx reads as a canary of the same host and path through its
 * `canary*` annotations: `canary-weight` for a weighted split, `canary-by-header` (with
 * `-value` or `-pattern`) or `canary-by-cookie` for A/B.
 *
 * ingress-nginx holds one header and one cookie per canary Ingress, so a Canary with more (which
 * Flagger would reduce to whichever it iterated last) is refused, as is a match it cannot express.
 */
import type { Canary } from '../../api/canary.js';
import { unsupportedBy, type CapabilityIssue } from '../../api/capability-issue.js';
import { analysisOf, isHeaderRouted, serviceNames } from '../names.js';
import { FLUX_ANNOTATIONS } from '../render/flux.js';
import {
  canaryIngress,
  canaryIngressRef,
  ingressRefIssues,
  INGRESS,
  LAST_APPLIED,
  rewriteApexPaths,
  userIngress,
  userIngressRef,
  withServiceName,
} from './ingress.js';
import { ALL_ON_PRIMARY, type Lookup, type RoutingProvider, type Routes, type TrafficPlan } from './types.js';

export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io';
const key = (suffix: string) => `${NGINX_PREFIX}/${suffix}`;
const CANARY = key('canary');
const WEIGHT = key('canary-weight');
const BY_HEADER = key('canary-by-header');
const BY_HEADER_VALUE = key('canary-by-header-value');
const BY_HEADER_PATTERN = key('canary-by-header-pattern');
const BY_COOKIE = key('canary-by-cookie');

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** One match entry's refusals: only headers, each `exact` or `regex`, a cookie by `exact` name. */
function matchEntryIssues(match: Json, path: string): CapabilityIssue[] {
  const issues = Object.keys(match)
    .filter((k) => k !== 'headers')
    .map((k) => unsupportedBy(`${path}.${k}`, 'nginx', `matching on ${k}`));
  const headers = isRecord(match.headers) ? match.headers : {};
  for (const [name, value] of Object.entries(headers)) {
    const ops = isRecord(value) ? Object.keys(value) : [];
    const where = `${path}.headers.${name}`;
    if (name.toLowerCase() === 'cookie') {
      if (ops.length !== 1 || ops[0] !== 'exact')
        issues.push(
          unsupportedBy(
            where,
            'nginx',
            'a cookie match other than `exact: <cookie name>` (ingress-nginx sends a request to the canary when that cookie is "always")',
          ),
        );
    } else if (ops.length !== 1 || (ops[0] !== 'exact' && ops[0] !== 'regex')) {
      issues.push(unsupportedBy(where, 'nginx', 'a header match other than one `exact` or `regex`'));
    }
  }
  return issues;
}

/** What an nginx canary Ingress cannot hold, from the raw spec (feature flags cover the rest). */
function issues(spec: Readonly<Json>): CapabilityIssue[] {
  const found = ingressRefIssues(spec, 'nginx');
  const key = spec.analysis !== undefined ? 'analysis' : 'canaryAnalysis';
  const analysis = isRecord(spec[key]) ? spec[key] : {};
  const matches = records(analysis.match);
  matches.forEach((m, i) => found.push(...matchEntryIssues(m, `spec.${key}.match[${String(i)}]`)));
  const names = matches.flatMap((m) => (isRecord(m.headers) ? Object.keys(m.headers) : []));
  const cookies = names.filter((n) => n.toLowerCase() === 'cookie').length;
  if (names.length - cookies > 1)
    found.push(
      unsupportedBy(
        `spec.${key}.match`,
        'nginx',
        'more than one header match (ingress-nginx holds one header)',
      ),
    );
  if (cookies > 1)
    found.push(
      unsupportedBy(
        `spec.${key}.match`,
        'nginx',
        'more than one cookie match (ingress-nginx holds one cookie)',
      ),
    );
  return found;
}

/** The user's annotations without any canary annotation or kubectl's record, as Flagger copies them. */
function baseAnnotations(user: Record<string, string> | undefined): Record<string, string> {
  const kept = Object.entries(user ?? {}).filter(([k]) => !k.startsWith(CANARY) && k !== LAST_APPLIED);
  return { ...Object.fromEntries(kept), ...FLUX_ANNOTATIONS, [CANARY]: 'true' };
}

/** The header and cookie annotations of the Canary's match (issues() allows one of each). */
function matchAnnotations(canary: Canary): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of analysisOf(canary)?.match ?? []) {
    for (const [name, value] of Object.entries(m.headers ?? {})) {
      const v = value as { exact?: string; regex?: string };
      if (name.toLowerCase() === 'cookie') {
        if (v.exact) out[BY_COOKIE] = v.exact;
        continue;
      }
      out[BY_HEADER] = name;
      if (v.exact) out[BY_HEADER_VALUE] = v.exact;
      if (v.regex) out[BY_HEADER_PATTERN] = v.regex;
    }
  }
  return out;
}

/**
 * Flagger's annotations for a split: at weight 0 the canary is off (`canary-weight: "0"`, no
 * header or cookie); otherwise the weight, or for A/B the header and cookie, which ingress-nginx
 * checks before the weight (Flagger leaves the weight at "0" there).
 */
function splitAnnotations(canary: Canary, plan: TrafficPlan): Record<string, string> {
  if (plan.canaryWeight <= 0) return { [WEIGHT]: '0' };
  if (isHeaderRouted(canary)) return { [WEIGHT]: '0', ...matchAnnotations(canary) };
  return { [WEIGHT]: String(plan.canaryWeight) };
}

function render(canary: Canary, plan: TrafficPlan, live: Lookup) {
  const user = userIngress(canary, live);
  const names = serviceNames(canary);
  const spec = rewriteApexPaths(user, names.apex, (path) => withServiceName(path, names.canary));
  const annotations = { ...baseAnnotations(user.metadata.annotations), ...splitAnnotations(canary, plan) };
  return [canaryIngress(canary, user, spec, annotations)];
}

/** As ingress-nginx reads the canary Ingress: header or cookie (A/B) first, then the weight. */
function read(canary: Canary, live: Lookup): Routes {
  const ingress = live(INGRESS, canaryIngressRef(canary).name);
  const annotations = ingress?.metadata.annotations;
  if (!annotations || annotations[CANARY] !== 'true') return ALL_ON_PRIMARY;
  if (
    isHeaderRouted(canary) &&
    (annotations[BY_HEADER] !== undefined || annotations[BY_COOKIE] !== undefined)
  )
    return { primaryWeight: 0, canaryWeight: 100, mirrored: false };
  const raw = annotations[WEIGHT] ?? '0';
  const weight = Number(raw);
  if (!/^\d+$/.test(raw) || weight > 100)
    throw new Error(
      `Ingress ${ingress.metadata.name}: ${WEIGHT} is ${JSON.stringify(raw)}, expected 0 to 100`,
    );
  return { primaryWeight: 100 - weight, canaryWeight: weight, mirrored: false };
}

export const nginxProvider: RoutingProvider = {
  id: 'nginx',
  names: ['nginx'],
  features: { weights: true, headers: true, cookies: true, mirror: false, sessionAffinity: false },
  resources: [INGRESS],
  issues,
  inputs: (canary) => [userIngressRef(canary)],
  render,
  watched: (canary) => [canaryIngressRef(canary), userIngressRef(canary)],
  read,
  finalize: (canary) => ({ delete: [canaryIngressRef(canary)], apply: [] }),
};
