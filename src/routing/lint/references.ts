import {
  DestinationRuleSpecSchema,
  GatewaySpecSchema,
  type Destination,
  type DestinationRuleSpec,
} from '../istio/types.js';
import { validateDestinationRule, validateGateway } from '../istio/validation/index.js';
import type { Manifest } from '../manifests.js';
import { resolveGatewayName, resolveServiceHost } from '../plan/index.js';
import { isRecord, parsePath, type LintContext, type PodTemplate } from './context.js';
import {
  ownRules,
  reportIstioIssues,
  reportSchemaIssues,
  type ParsedVirtualService,
} from './virtual-service.js';

type Path = (string | number)[];

export interface ParsedDestinationRule {
  manifest: Manifest;
  spec: DestinationRuleSpec;
  namespace: string;
  fqdn: string;
}

export function parseDestinationRules(ctx: LintContext): ParsedDestinationRule[] {
  const out: ParsedDestinationRule[] = [];
  for (const m of ctx.istio('DestinationRule')) {
    const parsed = DestinationRuleSpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) {
      reportSchemaIssues(ctx, m, parsed.error);
      continue;
    }
    const ns = ctx.namespaceOf(m);
    reportIstioIssues(ctx, m, validateDestinationRule(parsed.data, ns));
    out.push({
      manifest: m,
      spec: parsed.data,
      namespace: ns,
      fqdn: resolveServiceHost(parsed.data.host, ns),
    });
  }
  return out;
}

/** SRN1003/SRN1004: Gateways against Istio's schema and validation. */
export function checkGatewayResources(ctx: LintContext): void {
  for (const m of ctx.istio('Gateway')) {
    const parsed = GatewaySpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) reportSchemaIssues(ctx, m, parsed.error);
    else reportIstioIssues(ctx, m, validateGateway(parsed.data, m.name));
  }
}

/**
 * The routing facts later checks need: which pods get routed traffic, and which subsets
 * (`fqdn|subset`) a route or mirror sends traffic to.
 */
export interface RoutedPods {
  templates: Set<PodTemplate>;
  subsets: Set<string>;
}

const subsetKey = (fqdn: string, subset: string): string => `${fqdn}|${subset}`;

/**
 * The namespaces a resource is visible in, from its `exportTo` ("*" for all, the default; "." for
 * its own). Istio's mesh-wide defaults (defaultVirtualServiceExportTo ...) are taken as "*".
 */
export function visibleIn(exportTo: readonly string[] | undefined, namespace: string): Set<string> {
  if (exportTo === undefined || exportTo.length === 0) return new Set(['*']);
  return new Set(exportTo.map((e) => (e === '.' ? namespace : e)));
}

const isVisible = (visibility: ReadonlySet<string>, namespace: string): boolean =>
  visibility.has('*') || visibility.has(namespace);

/** Whether some namespace sees both resources. */
function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.has('*')) return b.size > 0;
  if (b.has('*')) return a.size > 0;
  return [...a].some((ns) => b.has(ns));
}

/**
 * Every destination of the route plan (weight 0 included: Istio's analyzer checks their subsets
 * too) and every mirror it copies traffic to, in the rules this VirtualService writes itself; TCP
 * routes are read from the spec (the plan is HTTP).
 */
function destinationsOf(v: ParsedVirtualService): { d: Destination; path: Path }[] {
  const out: { d: Destination; path: Path }[] = [];
  for (const rule of ownRules(v)) {
    const at: Path = ['spec', 'http', rule.origin.index];
    rule.destinations.forEach((share, k) => {
      out.push({ d: share.destination, path: [...at, 'route', k, 'destination'] });
    });
    for (const m of rule.mirrors) out.push({ d: m.destination, path: parsePath(m.path) });
  }
  (v.spec.tcp ?? []).forEach((r, i) => {
    (r.route ?? []).forEach((d, k) =>
      out.push({ d: d.destination, path: ['spec', 'tcp', i, 'route', k, 'destination'] }),
    );
  });
  return out;
}

function isGatewayBound(v: ParsedVirtualService): boolean {
  const gws = v.spec.gateways ?? [];
  return gws.length > 0 && !gws.includes('mesh');
}

/** SRN1101/1102 subsets, SRN1140 ports; collects the pods each destination reaches. */
export function checkDestinations(
  ctx: LintContext,
  vss: readonly ParsedVirtualService[],
  drs: readonly ParsedDestinationRule[],
  routed: RoutedPods,
): void {
  for (const v of vss) {
    const withoutRule = new Map<string, { host: string; path: Path; subsets: Set<string> }>();
    for (const { d, path } of destinationsOf(v)) {
      const fqdn = resolveServiceHost(d.host, v.namespace);
      const service = ctx.serviceFor(fqdn);
      // Only the DestinationRules exported to the VirtualService's namespace apply to its routes.
      const rules = drs.filter(
        (r) => r.fqdn === fqdn && isVisible(visibleIn(r.spec.exportTo, r.namespace), v.namespace),
      );
      let selector = service?.selector;
      if (d.subset !== undefined) {
        const subset = rules.flatMap((r) => r.spec.subsets ?? []).find((s) => s.name === d.subset);
        routed.subsets.add(subsetKey(fqdn, d.subset));
        if (subset) selector = { ...selector, ...subset.labels };
        else if (rules.length > 0) {
          ctx.report(
            'SRN1101',
            v.manifest,
            [...path, 'subset'],
            `subset ${JSON.stringify(d.subset)} is not defined in DestinationRule ${rules.map((r) => r.manifest.name).join(', ')} for ${d.host}`,
          );
        } else {
          const entry = withoutRule.get(fqdn) ?? {
            host: d.host,
            path: [...path, 'subset'],
            subsets: new Set(),
          };
          entry.subsets.add(d.subset);
          withoutRule.set(fqdn, entry);
        }
      }
      if (service && service.ports.length > 1 && d.port?.number === undefined && isGatewayBound(v)) {
        ctx.report(
          'SRN1140',
          v.manifest,
          path,
          `${d.host} exposes ${service.ports.length} ports and this gateway route does not say which`,
        );
      }
      if (service && selector) {
        for (const t of ctx.podsMatching(service.namespace, selector)) routed.templates.add(t);
      }
    }
    for (const { host, path, subsets } of withoutRule.values()) {
      const list = [...subsets].join(', ');
      ctx.report(
        'SRN1102',
        v.manifest,
        path,
        `subsets ${list} of ${host}: no DestinationRule for this host in the set`,
        'warning',
      );
    }
  }
}

function gatewayRef(ref: string, vsNamespace: string): { namespace: string; name: string } {
  const resolved = resolveGatewayName(ref, vsNamespace);
  const slash = resolved.indexOf('/');
  return { namespace: resolved.slice(0, slash), name: resolved.slice(slash + 1) };
}

function serverHosts(gw: Manifest): string[] {
  const spec = isRecord(gw.raw.spec) ? gw.raw.spec : {};
  const servers = Array.isArray(spec.servers) ? (spec.servers as unknown[]) : [];
  return servers.flatMap((s) =>
    isRecord(s) && Array.isArray(s.hosts)
      ? (s.hosts as unknown[]).filter((h): h is string => typeof h === 'string')
      : [],
  );
}

function hostServed(host: string, serverHost: string): boolean {
  const s = serverHost.includes('/') ? serverHost.slice(serverHost.indexOf('/') + 1) : serverHost;
  if (s === '*' || s === host) return true;
  if (s.startsWith('*.')) return host.endsWith(s.slice(1)) || host === s;
  return false;
}

/** SRN1152: a VirtualService for an in-mesh Service bound only to gateways leaves mesh traffic unsplit. */
function checkMeshHosts(ctx: LintContext, v: ParsedVirtualService): void {
  if (!isGatewayBound(v)) return;
  for (const host of v.spec.hosts ?? []) {
    const service = ctx.serviceFor(resolveServiceHost(host, v.namespace));
    if (service) {
      ctx.report(
        'SRN1152',
        v.manifest,
        ['spec', 'gateways'],
        `host ${host} is Service ${service.manifest.name}, but the VirtualService is bound only to gateways: calls from inside the mesh ignore these rules (add mesh to gateways)`,
        'warning',
      );
    }
  }
}

/** SRN1150 gateway in the set, SRN1151 host served by it, SRN1152 mesh traffic left out. */
export function checkGateways(ctx: LintContext, vss: readonly ParsedVirtualService[]): void {
  const gateways = ctx.istio('Gateway');
  for (const v of vss) {
    checkMeshHosts(ctx, v);
    (v.spec.gateways ?? []).forEach((ref, g) => {
      if (ref === 'mesh') return;
      const { namespace, name } = gatewayRef(ref, v.namespace);
      const gw = gateways.find((x) => x.name === name && ctx.namespaceOf(x) === namespace);
      if (!gw) {
        const severity = gateways.length > 0 ? 'error' : 'warning';
        ctx.report(
          'SRN1150',
          v.manifest,
          ['spec', 'gateways', g],
          `gateway ${namespace}/${name} is not in the set`,
          severity,
        );
        return;
      }
      const served = serverHosts(gw);
      const alsoMesh = (v.spec.gateways ?? []).includes('mesh');
      (v.spec.hosts ?? []).forEach((host, h) => {
        // A cluster-local host next to `mesh` is there for calls inside the mesh, not for the gateway.
        if (alsoMesh && resolveServiceHost(host, v.namespace).endsWith('.svc.cluster.local')) return;
        if (!served.some((s) => hostServed(host, s))) {
          ctx.report(
            'SRN1151',
            v.manifest,
            ['spec', 'hosts', h],
            `host ${host} is not among the hosts of gateway ${namespace}/${name} (${served.join(', ')})`,
            'warning',
          );
        }
      });
    });
  }
}

/**
 * SRN1160: two VirtualServices on the mesh gateway claiming the same host, where some namespace
 * sees both (their `exportTo` overlap).
 */
export function checkMeshConflicts(ctx: LintContext, vss: readonly ParsedVirtualService[]): void {
  const owners = new Map<string, ParsedVirtualService[]>();
  for (const v of vss) {
    const gws = v.spec.gateways ?? [];
    if (gws.length > 0 && !gws.includes('mesh')) continue;
    const visibility = visibleIn(v.spec.exportTo, v.namespace);
    (v.spec.hosts ?? []).forEach((host, h) => {
      const key = resolveServiceHost(host, v.namespace);
      const earlier = owners.get(key) ?? [];
      const first = earlier.find(
        (o) => o.manifest !== v.manifest && overlaps(visibleIn(o.spec.exportTo, o.namespace), visibility),
      );
      if (first) {
        ctx.report(
          'SRN1160',
          v.manifest,
          ['spec', 'hosts', h],
          `host ${host} is also claimed on the mesh gateway by VirtualService ${first.manifest.name} (${first.manifest.file}:${first.manifest.line}), and both are visible in the same namespace`,
        );
      } else owners.set(key, [...earlier, v]);
    });
  }
}

/**
 * SRN1201 routed subsets selecting no pods (a subset nothing routes to may be empty, as Istio
 * allows), SRN1303 subsets outside the Service, SRN1202 unknown host.
 */
export function checkDestinationRules(
  ctx: LintContext,
  drs: readonly ParsedDestinationRule[],
  routed: RoutedPods,
): void {
  for (const r of drs) {
    const service = ctx.serviceFor(r.fqdn);
    const isLocal = r.fqdn.endsWith('.svc.cluster.local');
    if (!service && isLocal && ctx.services.length > 0) {
      ctx.report(
        'SRN1202',
        r.manifest,
        ['spec', 'host'],
        `host ${r.spec.host} (${r.fqdn}) matches no Service in the set`,
        'warning',
      );
    }
    (r.spec.subsets ?? []).forEach((subset, i) => {
      const path = ['spec', 'subsets', i];
      const labels = subset.labels ?? {};
      const conflict = Object.entries(labels).find(
        ([k, v]) => service?.selector?.[k] !== undefined && service.selector[k] !== v,
      );
      if (conflict && service) {
        ctx.report(
          'SRN1303',
          r.manifest,
          [...path, 'labels', conflict[0]],
          `subset ${subset.name} wants ${conflict[0]}=${conflict[1]} but Service ${service.manifest.name} selects ${conflict[0]}=${service.selector?.[conflict[0]] ?? ''}: these pods are never endpoints of the host`,
        );
        return;
      }
      if (ctx.templates.length === 0 || !routed.subsets.has(subsetKey(r.fqdn, subset.name))) return;
      const ns = service?.namespace ?? r.namespace;
      if (ctx.podsMatching(ns, { ...service?.selector, ...labels }).length === 0) {
        const wanted = Object.entries({ ...service?.selector, ...labels })
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        ctx.report(
          'SRN1201',
          r.manifest,
          [...path, 'labels'],
          `subset ${subset.name} receives traffic but selects pods with ${wanted}, and no workload in ${ns} has those labels`,
        );
      }
    });
  }
}

const PROTOCOLS = [
  'http',
  'http2',
  'https',
  'grpc',
  'grpc-web',
  'mongo',
  'mysql',
  'redis',
  'tcp',
  'tls',
  'udp',
];

function hasProtocolPrefix(name: string): boolean {
  const lower = name.toLowerCase();
  return PROTOCOLS.some((p) => lower === p || lower.startsWith(`${p}-`));
}

/** SRN1301 Services selecting nothing, SRN1302 ports without a protocol. */
export function checkServices(ctx: LintContext): void {
  for (const s of ctx.services) {
    if (
      s.selector &&
      Object.keys(s.selector).length > 0 &&
      ctx.templates.length > 0 &&
      ctx.podsMatching(s.namespace, s.selector).length === 0
    ) {
      const wanted = Object.entries(s.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      ctx.report(
        'SRN1301',
        s.manifest,
        ['spec', 'selector'],
        `selector ${wanted} matches no workload in ${s.namespace}`,
      );
    }
    s.ports.forEach((p, i) => {
      if (p.appProtocol !== undefined) return;
      if (p.name === undefined || !hasProtocolPrefix(p.name)) {
        const what = p.name === undefined ? 'has no name' : `is named ${JSON.stringify(p.name)}`;
        ctx.report(
          'SRN1302',
          s.manifest,
          ['spec', 'ports', i],
          `port ${p.port ?? i} ${what}: Istio cannot tell its protocol and falls back to detection`,
          'warning',
        );
      }
    });
  }
}
