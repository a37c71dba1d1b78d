import { z } from 'zod';
import type { DestinationRuleSpec, HTTPRoute, VirtualServiceSpec } from './istio/types.js';
import { DestinationRuleSpecSchema, VirtualServiceSpecSchema } from './istio/types.js';
import { ofKind, type Manifest, type ManifestSet } from './manifests.js';
import {
  compileVirtualService,
  destinationProbabilities,
  hostMatcher,
  mirrorPercent,
  type RequestAttributes,
} from './match.js';

/** `serin route explain`: where a request goes under a set of VirtualServices and DestinationRules. */

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
  request: { host: string; path: string; method: string; gateway: string; headers: Record<string, string> };
  /** VirtualServices that apply to the host (and gateway), in the order Istio considers them. */
  candidates: string[];
  virtualService?: { name: string; namespace?: string; source: string };
  rule?: { index: number; name?: string; matchIndex?: number; source: string };
  destinations: ExplainedDestination[];
  mirror?: { host: string; subset?: string; percent: number };
  fault?: {
    delay?: { fixedDelay: string; percent: number };
    abort?: { httpStatus?: number; grpcStatus?: string; percent: number };
  };
  redirect?: Record<string, unknown>;
  directResponse?: Record<string, unknown>;
  rewrite?: Record<string, unknown>;
  timeout?: string;
  retries?: Record<string, unknown>;
  /** One-line verdict for people. */
  summary: string;
  notes: string[];
}

interface LoadedVs {
  manifest: Manifest;
  spec: VirtualServiceSpec;
}

function where(m: Manifest, path: readonly (string | number)[] = []): string {
  return `${m.file}:${m.lineOf(path)}`;
}

function loadVirtualServices(set: ManifestSet, notes: string[]): LoadedVs[] {
  const out: LoadedVs[] = [];
  for (const m of ofKind(set, 'VirtualService', true)) {
    const parsed = VirtualServiceSpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) {
      notes.push(
        `${where(m)}: VirtualService ${m.name} skipped: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`,
      );
      continue;
    }
    out.push({ manifest: m, spec: parsed.data });
  }
  return out;
}

function subsetIndex(
  set: ManifestSet,
): { rule: DestinationRuleSpec; manifest: Manifest; matches: (h: string) => boolean }[] {
  return ofKind(set, 'DestinationRule', true).flatMap((m) => {
    const parsed = DestinationRuleSpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) return [];
    return [
      {
        rule: parsed.data,
        manifest: m,
        matches: hostMatcher([parsed.data.host], { namespace: m.namespace ?? 'default' }),
      },
    ];
  });
}

function percentOf(p: { value?: number } | undefined, legacy?: number): number {
  return p?.value ?? legacy ?? 0;
}

function describeFault(route: HTTPRoute): Explanation['fault'] {
  const f = route.fault;
  if (!f) return undefined;
  const out: NonNullable<Explanation['fault']> = {};
  if (f.delay)
    out.delay = {
      fixedDelay: f.delay.fixedDelay ?? '?',
      percent: percentOf(f.delay.percentage, f.delay.percent),
    };
  if (f.abort) {
    out.abort = {
      ...(f.abort.httpStatus !== undefined ? { httpStatus: f.abort.httpStatus } : {}),
      ...(f.abort.grpcStatus !== undefined ? { grpcStatus: f.abort.grpcStatus } : {}),
      percent: percentOf(f.abort.percentage),
    };
  }
  return out;
}

function explainDestinations(
  route: HTTPRoute,
  set: ManifestSet,
  vsNamespace: string,
  notes: string[],
): ExplainedDestination[] {
  const rules = subsetIndex(set);
  return destinationProbabilities(route).map((share) => {
    const d = share.destination;
    const out: ExplainedDestination = { host: d.host, percent: Math.round(share.probability * 1e6) / 1e4 };
    const weight = route.route?.find((r) => r.destination === d)?.weight;
    if (weight !== undefined) out.weight = weight;
    if (d.port?.number !== undefined) out.port = d.port.number;
    if (d.subset !== undefined) {
      out.subset = d.subset;
      const fqdn = d.host.includes('.') ? d.host : `${d.host}.${vsNamespace}.svc.cluster.local`;
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
  /** Namespace for manifests that do not name one (kubectl's current namespace). */
  defaultNamespace?: string;
}

function summarize(e: Explanation): string {
  if (!e.virtualService) {
    return `no VirtualService applies to ${e.request.host} on gateway ${e.request.gateway}: plain Kubernetes Service routing`;
  }
  if (!e.rule)
    return `VirtualService ${e.virtualService.name} applies but no rule matches: Istio answers 404`;
  if (e.redirect) return `rule ${e.rule.index} of ${e.virtualService.name} redirects`;
  if (e.directResponse) return `rule ${e.rule.index} of ${e.virtualService.name} answers directly`;
  const parts = e.destinations
    .filter((d) => d.percent > 0)
    .map((d) => `${d.host}${d.subset ? `/${d.subset}` : ''}${d.port ? `:${d.port}` : ''} ${d.percent}%`);
  return `rule ${e.rule.index}${e.rule.name ? ` (${e.rule.name})` : ''} of ${e.virtualService.name}: ${parts.join(', ') || 'no destination'}`;
}

function flatHeaders(h: RequestAttributes['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k] = typeof v === 'string' ? v : v.join(',');
  return out;
}

/** Answers "where would this request go?" for a set of manifests. */
export function explainRequest(set: ManifestSet, req: ExplainRequest): Explanation {
  const gateway = req.gateway ?? 'mesh';
  const notes: string[] = [];
  const all = loadVirtualServices(set, notes);
  const ns = (m: Manifest) => m.namespace ?? req.defaultNamespace ?? 'default';
  const applicable = all.filter((v) =>
    compileVirtualService(v.spec, { namespace: ns(v.manifest) }).appliesTo(req.authority, gateway),
  );
  const e: Explanation = {
    request: {
      host: req.authority,
      path: req.path,
      method: req.method,
      gateway,
      headers: flatHeaders(req.headers),
    },
    candidates: applicable.map((v) => `${v.manifest.name} (${where(v.manifest)})`),
    destinations: [],
    summary: '',
    notes,
  };
  if (applicable.length > 1 && gateway === 'mesh') {
    notes.push(
      'several VirtualServices on the mesh gateway claim this host: Istio uses one of them (undefined which); see lint SRN1401',
    );
  }
  for (const v of applicable) {
    const selected = compileVirtualService(v.spec, { namespace: ns(v.manifest) }).select({ ...req, gateway });
    if ((v.spec.http?.length ?? 0) === 0 && (v.spec.tcp?.length ?? 0) > 0) {
      notes.push(
        `VirtualService ${v.manifest.name} has only TCP routes (spec.tcp); explain follows HTTP rules`,
      );
    }
    e.virtualService ??= {
      name: v.manifest.name,
      ...(v.manifest.namespace ? { namespace: v.manifest.namespace } : {}),
      source: where(v.manifest),
    };
    if (!selected) continue;
    e.virtualService = {
      name: v.manifest.name,
      ...(v.manifest.namespace ? { namespace: v.manifest.namespace } : {}),
      source: where(v.manifest),
    };
    fillRule(e, v, selected.index, selected.matchIndex, set);
    break;
  }
  e.summary = summarize(e);
  return e;
}

function fillRule(
  e: Explanation,
  v: LoadedVs,
  index: number,
  matchIndex: number | undefined,
  set: ManifestSet,
): void {
  const route = v.spec.http?.[index] as HTTPRoute;
  const path =
    matchIndex === undefined ? ['spec', 'http', index] : ['spec', 'http', index, 'match', matchIndex];
  e.rule = {
    index,
    ...(route.name ? { name: route.name } : {}),
    ...(matchIndex !== undefined ? { matchIndex } : {}),
    source: where(v.manifest, path),
  };
  e.destinations = explainDestinations(route, set, v.manifest.namespace ?? 'default', e.notes);
  if (route.mirror) {
    e.mirror = {
      host: route.mirror.host,
      ...(route.mirror.subset ? { subset: route.mirror.subset } : {}),
      percent: mirrorPercent(route),
    };
  }
  const fault = describeFault(route);
  if (fault) e.fault = fault;
  if (route.redirect) e.redirect = route.redirect;
  if (route.directResponse) e.directResponse = route.directResponse;
  if (route.rewrite) e.rewrite = route.rewrite;
  if (route.timeout) e.timeout = route.timeout;
  if (route.retries) e.retries = route.retries;
  if (fault && (route.retries || route.timeout)) {
    e.notes.push(
      'with fault injection on the route, Istio does not apply its timeout and retries on the client side',
    );
  }
  if (route.delegate)
    e.notes.push(
      `the rule delegates to VirtualService ${route.delegate.name}; include it to follow the request further`,
    );
}
