import type { L4MatchAttributesSchema } from '../../../api/istio.js';
import type { VirtualServiceSpec } from '../types.js';
import type { z } from 'zod';
import { httpRouteIssues, routeDestinationIssues } from './http-route.js';
import { IssueList, type IstioIssue, type Path } from './issues.js';
import {
  exportToErrors,
  gatewayNameIssues,
  hostCovers,
  isIpAddress,
  isJwtClaimHeader,
  labelsError,
  wildcardDomainError,
} from './names.js';

const MESH = 'mesh';

function gatewayIssues(list: IssueList, gateways: readonly string[], path: Path): void {
  gateways.forEach((g, i) => {
    if (g === MESH) return;
    const found = gatewayNameIssues(g);
    list.check([...path, i], found.error);
    if (found.warning !== undefined) list.warn([...path, i], found.warning);
  });
}

/** The SNI names Istio generates for AUTO_PASSTHROUGH gateways: `outbound_.<port>_._.<host>`. */
const AUTO_SNI = /^outbound_\.\d[^_]*_\._\.[a-zA-Z]/;

/** Hosts: valid (wildcard) DNS names or IPs, `*` only on gateways, none covering another. */
function hostIssues(list: IssueList, spec: VirtualServiceSpec, appliesToMesh: boolean): void {
  const hosts = spec.hosts ?? [];
  const sni = !appliesToMesh && (spec.tls ?? []).some((t) => t.match.some((m) => m.sniHosts.length > 0));
  let allValid = true;
  for (const [i, h] of hosts.entries()) {
    const why = sni && AUTO_SNI.test(h) ? undefined : wildcardDomainError(h);
    if (why !== undefined && !isIpAddress(h)) {
      list.error(['hosts', i], why);
      allValid = false;
    } else if (appliesToMesh && h === '*') {
      list.error(
        ['hosts', i],
        'wildcard host * is not allowed for VirtualServices bound to the mesh gateway',
      );
      allValid = false;
    }
  }
  if (!allValid) return;
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      const a = hosts[i] ?? '';
      const b = hosts[j] ?? '';
      if (hostCovers(a, b) || hostCovers(b, a))
        list.error(['hosts', j], `duplicate hosts in VirtualService: ${a} & ${b}`);
    }
  }
}

function l4MatchIssues(list: IssueList, match: z.output<typeof L4MatchAttributesSchema>, path: Path): void {
  list.check([...path, 'sourceLabels'], labelsError(match.sourceLabels));
  gatewayIssues(list, match.gateways ?? [], [...path, 'gateways']);
}

/** Routing on JWT claims (`@request.auth.claims[...]` headers) works on gateways only. */
function jwtClaimIssues(list: IssueList, spec: VirtualServiceSpec): void {
  (spec.http ?? []).forEach((r, i) => {
    (r.match ?? []).forEach((m, j) => {
      for (const field of ['headers', 'withoutHeaders'] as const) {
        for (const key of Object.keys(m[field] ?? {})) {
          if (!isJwtClaimHeader(key)) continue;
          list.error(
            ['http', i, 'match', j, field, key],
            'routing on JWT claims is only supported on gateways',
          );
        }
      }
    });
  });
}

function delegateIssues(list: IssueList, spec: VirtualServiceSpec): void {
  if ((spec.gateways ?? []).length > 0)
    list.error(['gateways'], 'a delegate VirtualService (no hosts) must have no gateways');
  if ((spec.tls ?? []).length > 0) list.error(['tls'], 'a delegate VirtualService must have no tls routes');
  if ((spec.tcp ?? []).length > 0) list.error(['tcp'], 'a delegate VirtualService must have no tcp routes');
}

function tlsRouteIssues(list: IssueList, spec: VirtualServiceSpec): void {
  const hosts = spec.hosts ?? [];
  (spec.tls ?? []).forEach((r, i) => {
    if (r.match.length === 0) list.error(['tls', i, 'match'], 'a TLS rule needs at least one match');
    r.match.forEach((m, j) => {
      const at: Path = ['tls', i, 'match', j];
      l4MatchIssues(list, m, at);
      if (m.sniHosts.length === 0) list.error([...at, 'sniHosts'], 'a TLS match needs sniHosts');
      m.sniHosts.forEach((sni, k) => {
        if (!AUTO_SNI.test(sni)) list.check([...at, 'sniHosts', k], wildcardDomainError(sni));
        if (!hosts.some((h) => hostCovers(h, sni) || hostCovers(sni, h)))
          list.error([...at, 'sniHosts', k], `SNI host ${sni} is not a host of the VirtualService`);
      });
    });
    if ((r.route ?? []).length === 0) list.error(['tls', i], 'a TLS rule needs route');
    routeDestinationIssues(list, r.route ?? [], ['tls', i, 'route']);
  });
}

/**
 * Istio's validation of a VirtualService spec (pilot's ValidateVirtualService): what the API
 * server's webhook refuses (errors) or prints (warnings). `namespace` is the resource's.
 */
export function validateVirtualService(spec: VirtualServiceSpec, namespace: string): IstioIssue[] {
  const list = new IssueList();
  const gateways = spec.gateways ?? [];
  const delegate = (spec.hosts ?? []).length === 0;
  if (delegate) delegateIssues(list, spec);
  gatewayIssues(list, gateways, ['gateways']);
  const appliesToMesh = gateways.length === 0 || gateways.includes(MESH);
  if (appliesToMesh) jwtClaimIssues(list, spec);
  hostIssues(list, spec, appliesToMesh);
  if ((spec.http ?? []).length === 0 && (spec.tcp ?? []).length === 0 && (spec.tls ?? []).length === 0)
    list.error([], 'a VirtualService needs http, tcp or tls routes');
  (spec.http ?? []).forEach((r, i) => {
    httpRouteIssues(list, r, ['http', i], delegate);
  });
  (spec.tcp ?? []).forEach((r, i) => {
    (r.match ?? []).forEach((m, j) => {
      l4MatchIssues(list, m, ['tcp', i, 'match', j]);
    });
    if ((r.route ?? []).length === 0) list.error(['tcp', i], 'a TCP rule needs route');
    routeDestinationIssues(list, r.route ?? [], ['tcp', i, 'route']);
  });
  tlsRouteIssues(list, spec);
  for (const why of exportToErrors(namespace, spec.exportTo)) list.error(['exportTo'], why);
  return list.issues;
}
