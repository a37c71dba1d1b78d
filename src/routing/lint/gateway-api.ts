import { GATEWAY_API_GROUP, HTTPRouteSpecSchema } from '../../api/gateway-api.js';
import type { Manifest } from '../manifests.js';
import {
  compileHTTPRoute,
  RouteCompileError,
  type CompiledHTTPRoute,
  type DestinationShare,
  type MirrorShare,
} from '../plan/index.js';
import { isRecord, parsePath, type LintContext } from './context.js';
import { reportSchemaIssues } from './virtual-service.js';

const SERVED_VERSIONS = new Set([`${GATEWAY_API_GROUP}/v1`, `${GATEWAY_API_GROUP}/v1beta1`]);

/**
 * SRN1005: HTTPRoutes against the Gateway API standard channel's schema; SRN1006: what the route
 * plan refuses (as `serin run` and `route explain` do); then checks on the compiled plan: backends
 * that are not in the set (SRN1180), rules that forward nothing (SRN1181), routes attached to
 * nothing (SRN1182) and cross-namespace backends without a ReferenceGrant (SRN1183).
 */
export function checkHTTPRoutes(ctx: LintContext): void {
  for (const m of ctx.set.manifests) {
    if (m.kind !== 'HTTPRoute' || !m.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`)) continue;
    if (!SERVED_VERSIONS.has(m.apiVersion)) {
      ctx.report(
        'SRN1005',
        m,
        ['apiVersion'],
        `apiVersion ${m.apiVersion}: HTTPRoute is served as v1 (or v1beta1)`,
      );
      continue;
    }
    const parsed = HTTPRouteSpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) {
      reportSchemaIssues(ctx, m, parsed.error, 'SRN1005');
      continue;
    }
    let compiled: CompiledHTTPRoute;
    try {
      compiled = compileHTTPRoute({ name: m.name, namespace: ctx.namespaceOf(m), spec: parsed.data });
    } catch (error) {
      if (!(error instanceof RouteCompileError)) throw error;
      ctx.report('SRN1006', m, parsePath(error.path), `${error.path}: ${error.reason}`);
      continue;
    }
    checkPlannedRoute(ctx, m, compiled);
  }
}

function checkPlannedRoute(ctx: LintContext, m: Manifest, route: CompiledHTTPRoute): void {
  if (route.parents.length === 0) {
    ctx.report(
      'SRN1182',
      m,
      ['spec'],
      'the HTTPRoute has no parentRefs: it attaches to no Gateway or Service and routes nothing',
      'warning',
    );
  }
  for (const rule of route.rules) {
    if (rule.answers500) {
      ctx.report(
        'SRN1181',
        m,
        parsePath(rule.path),
        `${rule.path} sends no request to a backend (no backendRefs, or every weight is 0) and redirects nothing: every request it matches is answered 500`,
      );
    }
    rule.destinations.forEach((share, k) => {
      checkBackend(ctx, m, share, ['spec', 'rules', rule.index, 'backendRefs', k]);
    });
    for (const mirror of rule.mirrors)
      checkBackend(ctx, m, mirror, [...parsePath(mirror.path), 'backendRef']);
  }
}

/** SRN1180 a backend Service (or its port) not in the set; SRN1183 another namespace without a ReferenceGrant. */
function checkBackend(
  ctx: LintContext,
  m: Manifest,
  backend: DestinationShare | MirrorShare,
  path: (string | number)[],
): void {
  const host = backend.destination.host;
  const port = backend.destination.port?.number;
  const service = ctx.serviceFor(host);
  if (service === undefined) {
    if (ctx.services.length > 0)
      ctx.report(
        'SRN1180',
        m,
        path,
        `backend Service ${host} is not in the set: its requests are answered 500`,
      );
  } else if (port !== undefined && !service.ports.some((p) => p.port === port)) {
    const ports = service.ports.map((p) => p.port).join(', ');
    ctx.report(
      'SRN1180',
      m,
      [...path, 'port'],
      `Service ${service.manifest.name} has no port ${port} (it has ${ports})`,
    );
  }
  const namespace = ctx.namespaceOf(m);
  const target = service?.namespace ?? host.split('.')[1];
  if (target !== undefined && target !== namespace && !referenceGranted(ctx, namespace, target)) {
    ctx.report(
      'SRN1183',
      m,
      path,
      `backend ${host} is in namespace ${target}: without a ReferenceGrant there for HTTPRoutes from ${namespace}, the reference is refused (ResolvedRefs False, 500)`,
      'warning',
    );
  }
}

/** Whether a ReferenceGrant in `target` lets HTTPRoutes of `from` refer to its Services. */
function referenceGranted(ctx: LintContext, from: string, target: string): boolean {
  return ctx.set.manifests.some((g) => {
    if (g.kind !== 'ReferenceGrant' || !g.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`)) return false;
    if (ctx.namespaceOf(g) !== target || !isRecord(g.raw.spec)) return false;
    const list = (v: unknown) => (Array.isArray(v) ? v.filter(isRecord) : []);
    const fromOk = list(g.raw.spec.from).some(
      (f) => f.group === GATEWAY_API_GROUP && f.kind === 'HTTPRoute' && f.namespace === from,
    );
    const toOk = list(g.raw.spec.to).some((t) => (t.group ?? '') === '' && t.kind === 'Service');
    return fromOk && toOk;
  });
}
