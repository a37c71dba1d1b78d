/**
 * Host and gateway names as Istio reads them. Every part of Serin that compares hosts (the
 * matcher, the local router's clusters, explain, lint, merge) goes through these functions, so a
 * short name means the same thing everywhere.
 */

export const CLUSTER_DOMAIN = 'cluster.local';

/** The mesh's pseudo-gateway: sidecar (client-side) traffic. */
export const MESH_GATEWAY = 'mesh';

export function serviceFqdn(name: string, namespace: string, domain = CLUSTER_DOMAIN): string {
  return `${name}.${namespace}.svc.${domain}`;
}

/** `host:port` → `host`; `[::1]:80` → `[::1]`. A trailing `:` followed by non-digits is left alone. */
export function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end < 0 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon >= 0 && /^\d+$/.test(authority.slice(colon + 1)) ? authority.slice(0, colon) : authority;
}

/** Lower case, no port, no trailing dot: the form hosts are compared in. */
export function normalizeHost(host: string): string {
  return stripPort(host).toLowerCase().replace(/\.$/, '');
}

/**
 * Resolves a host as Kubernetes DNS would from `namespace`: `svc`, `svc.ns`, `svc.ns.svc` and the
 * FQDN all name the same service; a port and a trailing dot are ignored. Returns the FQDN (or the
 * host unchanged when it is not a cluster-local name).
 */
export function resolveServiceHost(host: string, namespace: string, domain = CLUSTER_DOMAIN): string {
  const h = normalizeHost(host);
  const parts = h.split('.');
  if (parts.length === 1) return serviceFqdn(h, namespace, domain);
  if (parts.length === 2) return `${h}.svc.${domain}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.${domain}`;
  return h;
}

/**
 * The names under which a Kubernetes service is reachable from inside its namespace:
 * `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.<domain>`. Istio programs all of them as domains of
 * the service's virtual host.
 */
export function hostAliases(host: string, namespace: string | undefined, domain = CLUSTER_DOMAIN): string[] {
  const fqdnSuffix = `.svc.${domain}`;
  if (host.endsWith(fqdnSuffix)) {
    const [svc, ns] = host.slice(0, -fqdnSuffix.length).split('.');
    if (svc !== undefined && ns !== undefined) return [host, svc, `${svc}.${ns}`, `${svc}.${ns}.svc`];
  }
  if (!host.includes('.')) {
    if (namespace === undefined) return [host];
    return [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, serviceFqdn(host, namespace, domain)];
  }
  return [host];
}

export interface HostOptions {
  /** Namespace of the resource naming the hosts: short names are read relative to it, as Istio does. */
  namespace?: string;
  /** Cluster DNS suffix, `cluster.local` by default. */
  clusterDomain?: string;
}

/** Host matching as Istio reads `hosts`: exact, `*`, `*.suffix` wildcards, short names in the namespace. */
export function hostMatcher(hosts: readonly string[], options: HostOptions = {}): (host: string) => boolean {
  const domain = options.clusterDomain ?? CLUSTER_DOMAIN;
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let any = false;
  for (const raw of hosts) {
    const h = raw.toLowerCase();
    if (h === '*') any = true;
    else if (h.startsWith('*.')) suffixes.push(h.slice(1));
    else for (const alias of hostAliases(h, options.namespace, domain)) exact.add(alias);
  }
  return (host) => {
    const h = normalizeHost(host);
    return any || exact.has(h) || suffixes.some((s) => h.endsWith(s));
  };
}

/**
 * A gateway reference as Istio resolves it (pilot `resolveGatewayName`): `ns/name` stays,
 * `./name` and a bare `name` are in `namespace`, the legacy `name.ns[.svc.cluster.local]` becomes
 * `ns/name`, and `mesh` stays `mesh`. Gateways are compared in this form, so `team-a/public` never
 * handles traffic of `team-b/public`.
 */
export function resolveGatewayName(ref: string, namespace: string): string {
  if (ref === MESH_GATEWAY) return ref;
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const ns = ref.slice(0, slash);
    return ns === '.' ? `${namespace}/${ref.slice(slash + 1)}` : ref;
  }
  const dot = ref.indexOf('.');
  if (dot < 0) return `${namespace}/${ref}`;
  const rest = ref.slice(dot + 1);
  const nextDot = rest.indexOf('.');
  return `${nextDot < 0 ? rest : rest.slice(0, nextDot)}/${ref.slice(0, dot)}`;
}

/**
 * Istio's `exportTo` (VirtualService, DestinationRule): the namespaces whose proxies see the
 * resource. `.` is the resource's own namespace, `*` every namespace; unset or empty is `*` (the
 * mesh default, `defaultVirtualServiceExportTo`). A gateway sees what is exported to the
 * gateway's namespace.
 */
export function exportedTo(
  exportTo: readonly string[] | undefined,
  ownNamespace: string,
): (namespace: string) => boolean {
  if (exportTo === undefined || exportTo.length === 0 || exportTo.includes('*')) return () => true;
  const namespaces = new Set(exportTo.map((e) => (e === '.' ? ownNamespace : e)));
  return (namespace) => namespaces.has(namespace);
}
