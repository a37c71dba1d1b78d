import { z } from 'zod';
import { explainHTTPRoutes, loadHTTPRoutes } from './explain-gateway-api.js';
import type { DestinationRuleSpec, Headers } from './istio/types.js';
import { DestinationRuleSpecSchema, VirtualServiceSpecSchema } from './istio/types.js';
import { ofKind, type Manifest, type ManifestSet } from './manifests.js';
import {
  compileRoutePlan,
  exportedTo,
  hostMatcher,
  resolveGatewayName,
  resolveServiceHost,
  RouteCompileError,
  type NamedVirtualService,
  type PlannedRule,
  type RequestAttributes,
  type RoutePlan,
} from './plan/index.js';

/**
 * `serin route explain`: where a request goes under a set of VirtualServices and DestinationRules,
 * or of Gateway API HTTPRoutes (`explain-gateway-api.ts`) when no VirtualService applies.
 */

export interface ExplainedDestination {
  host: string;
  subset?: string;
  port?: number;
  /** Percentage of matching requests, 0–100. */
  percent: number;
  weight?: number;
  /** Labels of the subset's pods, from the DestinationRule that defines it. */
  subsetLabels?: Record<string, string>;
  /** Where the subset is defined, or undefined when no DestinationRule in the set defines it. */
  subsetSource?: string;
}

export interface Explanation {
  request: {
    host: string;
    path: string;
    method: string;
    /** `mesh` or `namespace/name`, as gateways are compared. */
    gateway: string;
    headers: Record<string, string>;
    sourceNamespace?: string;
    sourceLabels?: Record<string, string>;
  };
  /** VirtualServices that apply to the host (and gateway), in the order Istio considers them. */
  candidates: string[];
  virtualService?: { name: string; namespace?: string; source: string };
  /** The HTTPRoute that applies, when the answer comes from Gateway API routes. */
  httpRoute?: { name: string; namespace: string; source: string };
  rule?: {
    index: number;
    name?: string;
    matchIndex?: number;
    source: string;
    /** The delegate VirtualService's rule the request took, when the root rule delegates. */
    delegate?: { name: string; namespace: string; index: number; source: string };
  };
  destinations: ExplainedDestination[];
  /** Every mirror of the rule (`mirror` and `mirrors[]`), in the order Envoy sends them. */
  mirrors: { host: string; subset?: string; percent: number }[];
  fault?: {
    delay?: { fixedDelay: string; percent: number };
    abort?: { httpStatus?: number; grpcStatus?: string; percent: number };
  };
  redirect?: Record<string, unknown>;
  directResponse?: Record<string, unknown>;
  rewrite?: Record<string, unknown>;
  /** Header operations of the rule (request and response: set, add, remove). */
  headers?: Headers;
  timeout?: string;
  retries?: Record<string, unknown>;
  /** One-line verdict for people. */
  summary: string;
  notes: string[];
}

interface LoadedVs {
  manifest: Manifest;
  vs: NamedVirtualService;
}

function where(m: Manifest, path: readonly (string | number)[] = []): string {
  return `${m.file}:${m.lineOf(path)}`;
}

function loadVirtualServices(set: ManifestSet, defaultNamespace: string, notes: string[]): LoadedVs[] {
  const out: LoadedVs[] = [];
  for (const m of ofKind(set, 'VirtualService', true)) {
    const parsed = VirtualServiceSpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) {
      notes.push(
        `${where(m)}: VirtualService ${m.name} skipped: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`,
      );
      continue;
    }
    out.push({
      manifest: m,
      vs: { name: m.name, namespace: m.namespace ?? defaultNamespace, spec: parsed.data },
    });
  }
  return out;
}

interface IndexedRule {
  rule: DestinationRuleSpec;
  manifest: Manifest;
  matches: (h: string) => boolean;
}

/** The DestinationRules visible to a caller in `viewer` (their `exportTo`), indexed by host. */
function subsetIndex(set: ManifestSet, defaultNamespace: string, viewer: string): IndexedRule[] {
  return ofKind(set, 'DestinationRule', true).flatMap((m) => {
    const parsed = DestinationRuleSpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) return [];
    if (!exportedTo(parsed.data.exportTo, m.namespace ?? defaultNamespace)(viewer)) return [];
    return [
      {
        rule: parsed.data,
        manifest: m,
        matches: hostMatcher([parsed.data.host], { namespace: m.namespace ?? defaultNamespace }),
      },
    ];
  });
}

function describeFault(rule: PlannedRule): Explanation['fault'] {
  const f = rule.fault;
  if (!f) return undefined;
  const out: NonNullable<Explanation['fault']> = {};
  if (f.delay) out.delay = { fixedDelay: f.delay.fixedDelay, percent: f.delay.percent };
  if (f.abort) out.abort = f.abort;
  return out;
}

function explainDestinations(
  rule: PlannedRule,
  rules: readonly IndexedRule[],
  vsNamespace: string,
  notes: string[],
): ExplainedDestination[] {
  return rule.destinations.map((share) => {
    const d = share.destination;
    const out: ExplainedDestination = { host: d.host, percent: Math.round(share.probability * 1e6) / 1e4 };
    if (share.weight !== undefined) out.weight = share.weight;
    if (d.port?.number !== undefined) out.port = d.port.number;
    if (d.subset !== undefined) {
      out.subset = d.subset;
      const fqdn = resolveServiceHost(d.host, vsNamespace);
      const found = rules.find(
        (r) => r.matches(fqdn) && (r.rule.subsets ?? []).some((s) => s.name === d.subset),
      );
      const subset = found?.rule.subsets?.find((s) => s.name === d.subset);
      if (found && subset) {
        out.subsetLabels = subset.labels ?? {};
        out.subsetSource = where(found.manifest);
      } else if (out.percent > 0) {
        notes.push(
          `subset ${d.subset} of ${d.host} is not defined by any DestinationRule in the set: Istio answers 503 (no healthy upstream)`,
        );
      }
    }
    return out;
  });
}

export interface ExplainRequest extends RequestAttributes {
  /** Namespace for manifests that do not name one (kubectl's current namespace); also the namespace of a bare `gateway`. */
  defaultNamespace?: string;
}

function summarizeHTTPRoute(e: Explanation, route: NonNullable<Explanation['httpRoute']>): string {
  const name = `HTTPRoute ${route.namespace}/${route.name}`;
  if (!e.rule) return `${name} applies but no rule matches: the Gateway API answers 404`;
  const rule = `rule ${e.rule.index}${e.rule.name ? ` (${e.rule.name})` : ''} of ${name}`;
  if (e.redirect) return `${rule} redirects`;
  const parts = e.destinations
    .filter((d) => d.percent > 0)
    .map((d) => `${d.host}${d.port ? `:${d.port}` : ''} ${d.percent}%`);
  return `${rule}: ${parts.join(', ') || 'no backend, 500'}`;
}

function summarize(e: Explanation): string {
  if (!e.virtualService && e.httpRoute) return summarizeHTTPRoute(e, e.httpRoute);
  if (!e.virtualService) {
    return `no VirtualService or HTTPRoute applies to ${e.request.host} on gateway ${e.request.gateway}: plain Kubernetes Service routing`;
  }
  if (!e.rule)
    return `VirtualService ${e.virtualService.name} applies but no rule matches: Istio answers 404`;
  if (e.redirect) return `rule ${e.rule.index} of ${e.virtualService.name} redirects`;
  if (e.directResponse) return `rule ${e.rule.index} of ${e.virtualService.name} answers directly`;
  const parts = e.destinations
    .filter((d) => d.percent > 0)
    .map((d) => `${d.host}${d.subset ? `/${d.subset}` : ''}${d.port ? `:${d.port}` : ''} ${d.percent}%`);
  const via = e.rule.delegate ? ` via ${e.rule.delegate.namespace}/${e.rule.delegate.name}` : '';
  return `rule ${e.rule.index}${e.rule.name ? ` (${e.rule.name})` : ''} of ${e.virtualService.name}${via}: ${parts.join(', ') || 'no destination'}`;
}

function flatHeaders(h: RequestAttributes['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k] = typeof v === 'string' ? v : v.join(',');
  return out;
}

/** Delegates are found among the VirtualServices of the set, by namespace and name. */
function delegateLookup(all: readonly LoadedVs[]) {
  return (name: string, namespace: string) =>
    all.find((v) => v.vs.name === name && v.vs.namespace === namespace)?.vs;
}

function planOf(v: LoadedVs, all: readonly LoadedVs[], notes: string[]): RoutePlan | undefined {
  try {
    const plan = compileRoutePlan(v.vs, { delegates: delegateLookup(all) });
    for (const w of plan.warnings) notes.push(`${where(v.manifest)}: VirtualService ${v.vs.name}: ${w}`);
    return plan;
  } catch (error) {
    if (!(error instanceof RouteCompileError)) throw error;
    notes.push(`${where(v.manifest)}: VirtualService ${v.vs.name} skipped: ${error.message}`);
    return undefined;
  }
}

function requestSummary(req: ExplainRequest, gateway: string): Explanation['request'] {
  return {
    host: req.authority,
    path: req.path,
    method: req.method,
    gateway,
    headers: flatHeaders(req.headers),
    ...(req.sourceNamespace !== undefined ? { sourceNamespace: req.sourceNamespace } : {}),
    ...(req.sourceLabels !== undefined ? { sourceLabels: { ...req.sourceLabels } } : {}),
  };
}

/** Answers "where would this request go?" for a set of manifests. */
export function explainRequest(set: ManifestSet, req: ExplainRequest): Explanation {
  const defaultNamespace = req.defaultNamespace ?? 'default';
  const gateway = resolveGatewayName(req.gateway ?? 'mesh', defaultNamespace);
  const notes: string[] = [];
  const all = loadVirtualServices(set, defaultNamespace, notes);
  // exportTo is read for the caller (--source-namespace, else the default namespace) or, through
  // a gateway, for the gateway's namespace.
  const viewer =
    gateway === 'mesh' ? (req.sourceNamespace ?? defaultNamespace) : gateway.slice(0, gateway.indexOf('/'));
  // A VirtualService that only serves as a delegate (no hosts) is reached through its root.
  const applicable = all.flatMap((v) => {
    if ((v.vs.spec.hosts?.length ?? 0) === 0) return [];
    const plan = planOf(v, all, notes);
    if (plan?.appliesTo(req.authority, gateway) !== true) return [];
    if (plan.appliesTo(req.authority, gateway, viewer)) return [{ loaded: v, plan }];
    notes.push(
      `${where(v.manifest)}: VirtualService ${v.vs.namespace}/${v.vs.name} claims the host but is not exported (exportTo) to namespace ${viewer}`,
    );
    return [];
  });
  const e: Explanation = {
    request: requestSummary(req, gateway),
    candidates: applicable.map(({ loaded }) => `${loaded.vs.name} (${where(loaded.manifest)})`),
    destinations: [],
    mirrors: [],
    summary: '',
    notes,
  };
  if (applicable.length > 1 && gateway === 'mesh') {
    notes.push(
      'several VirtualServices on the mesh gateway claim this host: Istio uses one of them (undefined which); see lint SRN1160',
    );
  }
  for (const { loaded, plan } of applicable) {
    e.virtualService ??= describeVs(loaded);
    const selected = plan.select({ ...req, gateway });
    if (!selected) continue;
    e.virtualService = describeVs(loaded);
    fillRule(e, loaded, all, selected.rule, selected.matchIndex, subsetIndex(set, defaultNamespace, viewer));
    break;
  }
  const httpRoutes = loadHTTPRoutes(set, defaultNamespace, notes);
  if (e.virtualService === undefined) explainHTTPRoutes(e, httpRoutes, { ...req, defaultNamespace }, gateway);
  else if (httpRoutes.length > 0) {
    notes.push('the set also has HTTPRoutes: explain follows the VirtualService that applies to this host');
  }
  for (const { loaded } of applicable) {
    if ((loaded.vs.spec.http?.length ?? 0) === 0 && (loaded.vs.spec.tcp?.length ?? 0) > 0) {
      notes.push(
        `VirtualService ${loaded.vs.name} has only TCP routes (spec.tcp); explain follows HTTP rules`,
      );
    }
  }
  e.summary = summarize(e);
  return e;
}

function describeVs(v: LoadedVs): NonNullable<Explanation['virtualService']> {
  return {
    name: v.manifest.name,
    ...(v.manifest.namespace ? { namespace: v.manifest.namespace } : {}),
    source: where(v.manifest),
  };
}

function ruleSource(
  v: LoadedVs,
  all: readonly LoadedVs[],
  rule: PlannedRule,
  matchIndex: number | undefined,
): Explanation['rule'] {
  const { index, delegate } = rule.origin;
  const base: NonNullable<Explanation['rule']> = {
    index,
    ...(rule.name ? { name: rule.name } : {}),
    ...(matchIndex !== undefined ? { matchIndex } : {}),
    source: where(v.manifest, ['spec', 'http', index]),
  };
  if (delegate === undefined) {
    if (matchIndex !== undefined)
      base.source = where(v.manifest, ['spec', 'http', index, 'match', matchIndex]);
    return base;
  }
  const target = all.find((x) => x.vs.name === delegate.name && x.vs.namespace === delegate.namespace);
  return {
    ...base,
    delegate: {
      ...delegate,
      source: target === undefined ? '?' : where(target.manifest, ['spec', 'http', delegate.index]),
    },
  };
}

function fillRule(
  e: Explanation,
  v: LoadedVs,
  all: readonly LoadedVs[],
  rule: PlannedRule,
  matchIndex: number | undefined,
  destinationRules: readonly IndexedRule[],
): void {
  const route = rule.route;
  e.rule = ruleSource(v, all, rule, matchIndex);
  const namespace = rule.origin.delegate?.namespace ?? v.vs.namespace;
  e.destinations = explainDestinations(rule, destinationRules, namespace, e.notes);
  e.mirrors = rule.mirrors.map((m) => ({
    host: m.destination.host,
    ...(m.destination.subset ? { subset: m.destination.subset } : {}),
    percent: m.percent,
  }));
  const fault = describeFault(rule);
  if (fault) e.fault = fault;
  if (route.redirect) e.redirect = route.redirect;
  if (route.directResponse) e.directResponse = route.directResponse;
  if (route.rewrite) e.rewrite = route.rewrite;
  if (route.headers) e.headers = route.headers;
  if (route.timeout) e.timeout = route.timeout;
  if (route.retries) e.retries = route.retries;
  faultNotes(e, rule);
}

/**
 * Envoy runs the fault filter before the router: an aborted request is answered there and never
 * retried or timed; a delayed one goes on to the router after the delay, where the route timeout
 * (which does not include the delay) and the retries apply as usual. Pilot programs timeout and
 * retries on a faulted route like on any other (route.go `applyHTTPRouteDestination`).
 */
function faultNotes(e: Explanation, rule: PlannedRule): void {
  const f = rule.fault;
  if (f === undefined || (rule.route.timeout === undefined && rule.route.retries === undefined)) return;
  if (f.abort !== undefined && f.abort.percent > 0) {
    e.notes.push(
      `requests aborted by the fault (${f.abort.percent}%) are answered before routing: no retries, no timeout`,
    );
  }
  if (f.delay !== undefined && f.delay.percent > 0) {
    e.notes.push(
      `the fault delay (${f.delay.fixedDelay}) comes before routing: it does not count toward the route timeout, and retries apply after it`,
    );
  }
}
