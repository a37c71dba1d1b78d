import { z } from 'zod';
import { formatDuration } from '../api/duration.js';
import { GATEWAY_API_GROUP, HTTPRouteSpecSchema } from '../api/gateway-api.js';
import type { ExplainRequest, Explanation } from './explain.js';
import { apiGroup, type Manifest, type ManifestSet } from './manifests.js';
import {
  applicableRoutes,
  compileHTTPRoute,
  resolveServiceHost,
  RouteCompileError,
  selectHTTPRoute,
  type CompiledHTTPRoute,
  type PlannedGatewayMatch,
} from './plan/index.js';

/** `serin route explain` for Gateway API HTTPRoutes: the same question, the Gateway API's answer. */

function where(m: Manifest, path: readonly (string | number)[] = []): string {
  return `${m.file}:${m.lineOf(path)}`;
}

export interface LoadedHTTPRoute {
  manifest: Manifest;
  compiled: CompiledHTTPRoute;
}

/** The HTTPRoutes of a set, parsed by the standard channel's schema and compiled; others are noted and skipped. */
export function loadHTTPRoutes(
  set: ManifestSet,
  defaultNamespace: string,
  notes: string[],
): LoadedHTTPRoute[] {
  const out: LoadedHTTPRoute[] = [];
  for (const m of set.manifests) {
    if (m.kind !== 'HTTPRoute' || apiGroup(m.apiVersion) !== GATEWAY_API_GROUP) continue;
    const parsed = HTTPRouteSpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) {
      notes.push(
        `${where(m)}: HTTPRoute ${m.name} skipped: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`,
      );
      continue;
    }
    const meta = m.raw.metadata as { creationTimestamp?: unknown } | undefined;
    const created = typeof meta?.creationTimestamp === 'string' ? meta.creationTimestamp : undefined;
    try {
      const compiled = compileHTTPRoute({
        name: m.name,
        namespace: m.namespace ?? defaultNamespace,
        spec: parsed.data,
        ...(created !== undefined ? { creationTimestamp: created } : {}),
      });
      out.push({ manifest: m, compiled });
    } catch (error) {
      if (!(error instanceof RouteCompileError)) throw error;
      notes.push(`${where(m)}: HTTPRoute ${m.name} skipped: ${error.message}`);
    }
  }
  return out;
}

function ruleSource(m: Manifest, match: PlannedGatewayMatch): NonNullable<Explanation['rule']> {
  const index = match.rule.index;
  const at =
    match.matchIndex === undefined
      ? ['spec', 'rules', index]
      : ['spec', 'rules', index, 'matches', match.matchIndex];
  return {
    index,
    ...(match.rule.name !== undefined ? { name: match.rule.name } : {}),
    ...(match.matchIndex !== undefined ? { matchIndex: match.matchIndex } : {}),
    source: where(m, at),
  };
}

function fillRule(e: Explanation, loaded: LoadedHTTPRoute, match: PlannedGatewayMatch): void {
  const rule = match.rule;
  e.rule = ruleSource(loaded.manifest, match);
  e.destinations = rule.destinations.map((share) => ({
    host: share.destination.host,
    ...(share.destination.port?.number !== undefined ? { port: share.destination.port.number } : {}),
    percent: Math.round(share.probability * 1e6) / 1e4,
    ...(share.weight !== undefined ? { weight: share.weight } : {}),
  }));
  e.mirrors = rule.mirrors.map((m) => ({ host: m.destination.host, percent: m.percent }));
  if (rule.redirect !== undefined) e.redirect = rule.redirect;
  if (rule.rewrite !== undefined) e.rewrite = rule.rewrite;
  if (rule.headers !== undefined) e.headers = rule.headers;
  if (rule.timeoutMs !== undefined) e.timeout = formatDuration(rule.timeoutMs);
  if (rule.backendTimeoutMs !== undefined)
    e.notes.push(`each request to a backend times out after ${formatDuration(rule.backendTimeoutMs)}`);
  if (rule.answers500) {
    e.notes.push(
      'the rule sends no request to a backend (no backendRefs, or every weight is 0): the Gateway API answers 500',
    );
  }
  const zero = rule.destinations.filter((d) => d.probability === 0 && !rule.answers500);
  for (const d of zero) e.notes.push(`backend ${d.destination.host} has weight 0: it receives no request`);
}

/**
 * Explains a request by the HTTPRoutes of a set: the routes attached to its gateway (on the mesh:
 * to the Service its host names, read from the caller's namespace), the match the Gateway API's
 * precedence selects, and that rule's backends. Fills `e` and returns whether any route applied.
 */
export function explainHTTPRoutes(
  e: Explanation,
  routes: readonly LoadedHTTPRoute[],
  req: ExplainRequest,
  gateway: string,
): boolean {
  const serviceHost = resolveServiceHost(
    req.authority,
    req.sourceNamespace ?? req.defaultNamespace ?? 'default',
  );
  const compiled = routes.map((r) => r.compiled);
  const request = { ...req, gateway };
  const applicable = applicableRoutes(compiled, request, serviceHost);
  if (applicable.length === 0) return false;
  const bySource = new Map(routes.map((r) => [r.compiled.source, r]));
  const loadedOf = (c: CompiledHTTPRoute) => bySource.get(c.source);
  e.candidates = applicable.flatMap(({ route }) => {
    const m = loadedOf(route);
    return m === undefined
      ? []
      : [`HTTPRoute ${route.source.namespace}/${route.source.name} (${where(m.manifest)})`];
  });
  const first = applicable[0] === undefined ? undefined : loadedOf(applicable[0].route);
  if (first !== undefined) e.httpRoute = describe(first);
  const selected = selectHTTPRoute(compiled, request, serviceHost);
  const loaded = selected === undefined ? undefined : bySource.get(selected.match.rule.route);
  if (selected === undefined || loaded === undefined) return true;
  e.httpRoute = describe(loaded);
  fillRule(e, loaded, selected.match);
  return true;
}

function describe(r: LoadedHTTPRoute): NonNullable<Explanation['httpRoute']> {
  return {
    name: r.compiled.source.name,
    namespace: r.compiled.source.namespace,
    source: where(r.manifest),
  };
}
