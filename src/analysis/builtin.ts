/**
 * Flagger's built-in checks, so dashboards and habits carry over: which provider's queries a
 * Canary gets (Flagger's selection rules, quirks included), and the query as Flagger sends it.
 * The queries themselves, one entry per provider, are in `builtin-queries.ts`. The templates are
 * kept in a multi-line layout; what is sent (and printed by `serin analyze --dry-run`) is the form
 * with every whitespace run collapsed to one space, byte for byte what Flagger sends.
 */
import type { Canary } from '../api/canary.js';
import { BUILTIN_QUERIES, type BuiltinQueries, type Observer } from './builtin-queries.js';
import { collapseWhitespace, type TemplateScope } from './template.js';

export { BUILTIN_QUERIES, OBSERVERS, type Observer } from './builtin-queries.js';

export const SUCCESS_RATE = 'request-success-rate';
export const DURATION = 'request-duration';
export type BuiltinName = typeof SUCCESS_RATE | typeof DURATION;

export function isBuiltin(name: string): name is BuiltinName {
  return name === SUCCESS_RATE || name === DURATION;
}

/** Serin's `serin.dev` spelling of the Gateway API provider means Flagger's `gatewayapi:v1`. */
function flaggerSpelling(provider: string): string {
  return provider === 'gateway-api' ? 'gatewayapi:v1' : provider;
}

/**
 * The observer Flagger's factory picks for a metrics-provider string. Only `appmesh`, `gloo` and
 * `gatewayapi` match by prefix; every other provider must match exactly, and anything else
 * (including `smi:*`, and `<provider>:service`, below) falls back to Istio's queries.
 */
function observerOf(provider: string): Observer {
  if (provider.startsWith('appmesh')) return 'appmesh';
  if (provider.startsWith('gloo')) return 'gloo';
  if (provider === 'kubernetes' || provider.startsWith('gatewayapi')) return 'http';
  const exact: Partial<Record<string, Observer>> = {
    linkerd: 'linkerd',
    istio: 'istio',
    contour: 'contour',
    nginx: 'nginx',
    skipper: 'skipper',
    traefik: 'traefik',
    osm: 'osm',
    kuma: 'kuma',
    apisix: 'apisix',
    knative: 'knative',
  };
  return exact[provider] ?? 'istio';
}

function isKnativeService(targetRef: { apiVersion?: string | undefined; kind?: string | undefined }) {
  return targetRef.kind === 'Service' && (targetRef.apiVersion ?? '').startsWith('serving.knative.dev/');
}

/**
 * Whose built-in queries a Canary runs, decided as Flagger's scheduler does: the Canary's
 * `spec.provider`, else the controller's default provider (Flagger's `-mesh-provider`); a
 * controller whose default is Linkerd uses Linkerd's queries for every Canary; a `kind: Service`
 * target (not a Knative Service) appends `:service`, which only the prefix-matched providers
 * survive (the others get Istio's queries, as in Flagger).
 */
export function builtinObserver(canary: Canary, defaultProvider = 'istio'): Observer {
  const mesh = flaggerSpelling(defaultProvider);
  let provider = mesh;
  const own = canary.spec.provider;
  if (own !== undefined) provider = flaggerSpelling(own);
  if (mesh.includes('linkerd')) provider = 'linkerd';
  const { targetRef } = canary.spec;
  if (targetRef.kind === 'Service' && !isKnativeService(targetRef)) provider = `${provider}:service`;
  return observerOf(provider);
}

/** The query template of a built-in check for one provider, as Flagger sends it (whitespace collapsed). */
export function builtinTemplate(name: BuiltinName, observer: Observer = 'istio'): string {
  const queries = BUILTIN_QUERIES[observer];
  return collapseWhitespace(name === SUCCESS_RATE ? queries.successRate : queries.duration);
}

/** The queries of one provider. */
export function builtinQueries(observer: Observer): BuiltinQueries {
  return BUILTIN_QUERIES[observer];
}

const NAMES_SKIPPER_ENCODES = ['name', 'namespace', 'target', 'service', 'ingress'];

/**
 * The scope a provider's built-ins render in: Skipper's names have every non-word character
 * replaced by `_` (as Skipper names its routes and Flagger encodes its model; `route` and
 * `interval` are left alone there too).
 */
export function builtinScope(observer: Observer, scope: TemplateScope): TemplateScope {
  if (BUILTIN_QUERIES[observer].encodeNames !== true) return scope;
  const values = { ...scope.values };
  for (const key of NAMES_SKIPPER_ENCODES) {
    const value = values[key];
    if (value !== undefined) values[key] = value.replace(/\W/g, '_');
  }
  return { ...scope, values };
}

/**
 * The duration value in milliseconds as Flagger compares it: scaled where Flagger scales in Go
 * (the http observer's query yields seconds), then truncated to whole milliseconds.
 */
export function durationMs(observer: Observer, value: number): number {
  const scaled = value * BUILTIN_QUERIES[observer].durationToMs;
  return Number.isFinite(scaled) ? Math.trunc(scaled) : scaled;
}
