import type {
  ClientTLSSettings,
  ConnectionPool,
  DestinationRuleSpec,
  LoadBalancer,
  OutlierDetection,
  TrafficPolicy,
} from '../types.js';
import { IssueList, type IstioIssue, type Path } from './issues.js';
import {
  exportToErrors,
  fqdnError,
  isDns1123Label,
  isIpAddress,
  labelsError,
  wildcardDomainError,
} from './names.js';

function outlierIssues(list: IssueList, o: OutlierDetection | undefined, path: Path): void {
  if (o === undefined) return;
  if (o.consecutiveErrors !== undefined && o.consecutiveErrors !== 0)
    list.warn(
      [...path, 'consecutiveErrors'],
      'consecutiveErrors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors',
    );
  if (o.splitExternalLocalOriginErrors !== true && (o.consecutiveLocalOriginFailures ?? 0) > 0)
    list.error(
      [...path, 'consecutiveLocalOriginFailures'],
      'consecutiveLocalOriginFailures needs splitExternalLocalOriginErrors: true',
    );
  for (const field of ['maxEjectionPercent', 'minHealthPercent'] as const) {
    const v = o[field];
    if (v !== undefined && (v < 0 || v > 100))
      list.error([...path, field], `percentage ${v} is not in range 0..100`);
  }
}

function connectionPoolIssues(list: IssueList, pool: ConnectionPool | undefined, path: Path): void {
  if (pool === undefined) return;
  if (pool.http === undefined && pool.tcp === undefined) {
    list.error(path, 'connectionPool needs http or tcp settings');
    return;
  }
  const { http, tcp } = pool;
  if (http !== undefined) {
    const counts = [
      'http1MaxPendingRequests',
      'http2MaxRequests',
      'maxRequestsPerConnection',
      'maxRetries',
      'maxConcurrentStreams',
    ] as const;
    for (const field of counts)
      if ((http[field] ?? 0) < 0) list.error([...path, 'http', field], `${field} must be non-negative`);
    if (http.h2UpgradePolicy === 'UPGRADE' && http.useClientProtocol === true)
      list.error(
        [...path, 'http', 'useClientProtocol'],
        'useClientProtocol must not be true when h2UpgradePolicy is UPGRADE',
      );
    const ka = http.http2KeepAlive;
    if (ka !== undefined) {
      if (ka.interval === undefined)
        list.error([...path, 'http', 'http2KeepAlive'], 'http2KeepAlive needs an interval');
      if (ka.timeout === undefined)
        list.error([...path, 'http', 'http2KeepAlive'], 'http2KeepAlive needs a timeout');
    }
  }
  if (tcp !== undefined && (tcp.maxConnections ?? 0) < 0)
    list.error([...path, 'tcp', 'maxConnections'], 'maxConnections must be non-negative');
}

function isPrime(n: number): boolean {
  if (n !== 0 && n < 4) return true;
  if (n % 2 === 0) return false;
  for (let f = 3; f * f <= n; f += 2) if (n % f === 0) return false;
  return true;
}

function localityIssues(list: IssueList, lb: LoadBalancer, path: Path): void {
  const setting = lb.localityLbSetting;
  if (lb.localityLbSetting !== undefined && lb.zoneAwareLbSetting !== undefined)
    list.error(path, 'only one of localityLbSetting and zoneAwareLbSetting can be set');
  if (setting === undefined) return;
  const at: Path = [...path, 'localityLbSetting'];
  if ((setting.distribute?.length ?? 0) > 0 && (setting.failover?.length ?? 0) > 0)
    list.error(at, 'localityLbSetting may set distribute or failover, not both');
  (setting.distribute ?? []).forEach((d, i) => {
    const total = Object.values(d.to ?? {}).reduce((s, w) => s + w, 0);
    if (total !== 100)
      list.error(
        [...at, 'distribute', i, 'to'],
        `the weights of a distribute entry must sum to 100, not ${total}`,
      );
  });
  (setting.failover ?? []).forEach((f, i) => {
    if (f.from !== undefined && f.from === f.to)
      list.error([...at, 'failover', i], `locality ${f.from} cannot fail over to itself`);
  });
}

function loadBalancerIssues(list: IssueList, lb: LoadBalancer | undefined, path: Path): void {
  if (lb === undefined) return;
  const hash = lb.consistentHash;
  if (hash !== undefined) {
    const at: Path = [...path, 'consistentHash'];
    const cookie = hash.httpCookie;
    if (cookie !== undefined && cookie.name === '')
      list.error([...at, 'httpCookie', 'name'], 'httpCookie needs a name');
    const names = new Set<string>();
    (cookie?.attributes ?? []).forEach((a, i) => {
      if (a.name === '')
        list.error([...at, 'httpCookie', 'attributes', i, 'name'], 'cookie attribute name cannot be empty');
      else if (names.has(a.name))
        list.error(
          [...at, 'httpCookie', 'attributes', i, 'name'],
          `duplicate cookie attribute name: ${a.name}`,
        );
      names.add(a.name);
    });
    if ((hash.minimumRingSize ?? 0) !== 0) {
      list.warn([...at, 'minimumRingSize'], 'minimumRingSize is deprecated, use ringHash.minimumRingSize');
      if (hash.ringHash !== undefined || hash.maglev !== undefined)
        list.error(
          [...at, 'minimumRingSize'],
          'only one of minimumRingSize or maglev/ringHash can be specified',
        );
    }
    const table = hash.maglev?.tableSize;
    if (hash.maglev !== undefined) {
      const t = table ?? 0;
      if (t === 0) list.error([...at, 'maglev', 'tableSize'], 'maglev needs a tableSize');
      else if (t >= 5_000_011)
        list.error([...at, 'maglev', 'tableSize'], 'maglev tableSize must be less than 5000011');
      if (!isPrime(t)) list.error([...at, 'maglev', 'tableSize'], 'maglev tableSize must be a prime number');
    }
  }
  localityIssues(list, lb, path);
  const warm = lb.warmup;
  if (warm?.aggression !== undefined && warm.aggression <= 0)
    list.error([...path, 'warmup', 'aggression'], 'aggression should be greater than 0');
}

function tlsIssues(list: IssueList, tls: ClientTLSSettings | undefined, path: Path): void {
  if (tls === undefined) return;
  const { mode, credentialName, caCertificates, subjectAltNames } = tls;
  if (tls.insecureSkipVerify === true) {
    if (mode === 'SIMPLE' && (caCertificates || credentialName || subjectAltNames !== undefined))
      list.error(
        path,
        'caCertificates, credentialName and subjectAltNames cannot be set with insecureSkipVerify',
      );
    if (mode === 'MUTUAL' && (caCertificates || subjectAltNames !== undefined))
      list.error(path, 'caCertificates and subjectAltNames cannot be set with insecureSkipVerify');
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && credentialName) {
    if (tls.clientCertificate || caCertificates || tls.privateKey || tls.caCrl)
      list.error(
        path,
        'client certificate, CA certificates or CA CRL cannot be set together with credentialName',
      );
    return;
  }
  if (mode === 'MUTUAL') {
    if (!tls.clientCertificate) list.error(path, 'MUTUAL tls needs clientCertificate');
    if (!tls.privateKey) list.error(path, 'MUTUAL tls needs privateKey');
  }
}

function portPolicyIssues(
  list: IssueList,
  p: Omit<TrafficPolicy, 'portLevelSettings' | 'tunnel' | 'proxyProtocol' | 'retryBudget'>,
  path: Path,
): void {
  outlierIssues(list, p.outlierDetection, [...path, 'outlierDetection']);
  connectionPoolIssues(list, p.connectionPool, [...path, 'connectionPool']);
  loadBalancerIssues(list, p.loadBalancer, [...path, 'loadBalancer']);
  tlsIssues(list, p.tls, [...path, 'tls']);
}

export function trafficPolicyIssues(list: IssueList, policy: TrafficPolicy | undefined, path: Path): void {
  if (policy === undefined) return;
  if (Object.keys(policy).length === 0) {
    list.error(path, 'trafficPolicy must have at least one field');
    return;
  }
  if (policy.tunnel !== undefined && policy.proxyProtocol !== undefined) {
    list.error(path, 'tunnel and proxyProtocol must not be set together');
    return;
  }
  portPolicyIssues(list, policy, path);
  (policy.portLevelSettings ?? []).forEach((p, i) => {
    const at: Path = [...path, 'portLevelSettings', i];
    if (p.port === undefined) list.error(at, 'a port-level policy needs port');
    const { port: _port, ...rest } = p;
    if (Object.keys(rest).length === 0) list.error(at, 'a port-level policy must have at least one field');
    else portPolicyIssues(list, p, at);
  });
  const tunnel = policy.tunnel;
  if (tunnel !== undefined) {
    if (
      tunnel.protocol !== undefined &&
      tunnel.protocol !== '' &&
      tunnel.protocol !== 'CONNECT' &&
      tunnel.protocol !== 'POST'
    )
      list.error([...path, 'tunnel', 'protocol'], 'tunnel protocol must be "CONNECT" or "POST"');
    if (fqdnError(tunnel.targetHost) !== undefined && !isIpAddress(tunnel.targetHost))
      list.error(
        [...path, 'tunnel', 'targetHost'],
        `tunnel targetHost ${JSON.stringify(tunnel.targetHost)} is neither a FQDN nor an IP address`,
      );
    if (tunnel.targetPort < 1 || tunnel.targetPort > 65535)
      list.error(
        [...path, 'tunnel', 'targetPort'],
        `port number ${tunnel.targetPort} must be in the range 1..65535`,
      );
  }
}

/** Istio's validation of a DestinationRule spec (pilot's ValidateDestinationRule). */
export function validateDestinationRule(spec: DestinationRuleSpec, namespace: string): IstioIssue[] {
  const list = new IssueList();
  list.check(['host'], wildcardDomainError(spec.host));
  trafficPolicyIssues(list, spec.trafficPolicy, ['trafficPolicy']);
  const names = new Set<string>();
  (spec.subsets ?? []).forEach((s, i) => {
    const at: Path = ['subsets', i];
    if (names.has(s.name)) list.error([...at, 'name'], `duplicate subset name ${s.name}`, 'SRN1203');
    names.add(s.name);
    if (s.name === '') list.error([...at, 'name'], 'subset name cannot be empty');
    else if (!isDns1123Label(s.name)) list.error([...at, 'name'], `subset name is invalid: ${s.name}`);
    list.check([...at, 'labels'], labelsError(s.labels));
    trafficPolicyIssues(list, s.trafficPolicy, [...at, 'trafficPolicy']);
  });
  for (const why of exportToErrors(namespace, spec.exportTo)) list.error(['exportTo'], why);
  const selector = spec.workloadSelector?.matchLabels;
  if (selector !== undefined) {
    for (const key of Object.keys(selector))
      if (key === '' || key.includes('*'))
        list.error(
          ['workloadSelector', 'matchLabels', key],
          'workload selector keys cannot be empty or contain *',
        );
    const exported = (spec.exportTo ?? []).map((e) => (e === '.' ? namespace : e));
    if (exported.some((e) => e !== namespace))
      list.error(
        ['exportTo'],
        'a DestinationRule with a workloadSelector cannot be exported beyond its namespace',
      );
  }
  return list.issues;
}
