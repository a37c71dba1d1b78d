import type { GatewaySpec, Server, ServerTLSSettings } from '../types.js';
import { IssueList, type IstioIssue, type Path } from './issues.js';
import { isDns1123Label, isIpAddress, wildcardDomainError } from './names.js';

/** Istio's protocol names (case-insensitive), as a Gateway server port may declare them. */
const PROTOCOLS = new Set([
  'grpc',
  'grpc-web',
  'http',
  'http_proxy',
  'http2',
  'https',
  'tcp',
  'tls',
  'udp',
  'mongo',
  'redis',
  'mysql',
]);
const isTlsProtocol = (p: string): boolean => ['https', 'tls'].includes(p.toLowerCase());
const isHttpProtocol = (p: string): boolean =>
  ['http', 'http2', 'grpc', 'grpc-web', 'http_proxy'].includes(p.toLowerCase());

/** A server host: `[namespace/]dnsName`, the name fully qualified or `*`, a wildcard only as the first label. */
function serverHostError(host: string): string | undefined {
  const slash = host.indexOf('/');
  const ns = slash < 0 ? undefined : host.slice(0, slash);
  const name = slash < 0 ? host : host.slice(slash + 1);
  if (ns !== undefined) {
    if (ns === '' || name === '') return 'config namespace and dnsName in host entry cannot be empty';
    if (ns !== '*' && ns !== '.' && !isDns1123Label(ns))
      return `invalid namespace value ${JSON.stringify(ns)} in gateway`;
  }
  if (name !== '*' && !name.includes('.')) return `short names (non FQDN) are not allowed: ${name}`;
  const why = wildcardDomainError(name);
  if (why !== undefined && !isIpAddress(name)) return why;
  if (name.includes('*') && name !== '*' && !name.startsWith('*.'))
    return `partial wildcard ${JSON.stringify(name)} not allowed`;
  return undefined;
}

const has = (v: string | undefined): boolean => v !== undefined && v !== '';

/** Whether the settings carry certificates or keys of their own. */
function carriesCertificates(tls: ServerTLSSettings): boolean {
  return (
    has(tls.serverCertificate) ||
    has(tls.privateKey) ||
    has(tls.caCertificates) ||
    (tls.tlsCertificates?.length ?? 0) > 0
  );
}

const namesCredential = (tls: ServerTLSSettings): boolean =>
  has(tls.credentialName) || (tls.credentialNames?.length ?? 0) > 0;

/** SIMPLE and MUTUAL terminate TLS: they need a certificate and key (or a credential holding them). */
function terminationIssues(list: IssueList, tls: ServerTLSSettings, path: Path): void {
  if (namesCredential(tls) || (tls.tlsCertificates?.length ?? 0) > 0) return;
  const mode = tls.mode ?? '';
  if (!has(tls.serverCertificate))
    list.error(path, `${mode} tls needs serverCertificate (or credentialName)`);
  if (!has(tls.privateKey)) list.error(path, `${mode} tls needs privateKey (or credentialName)`);
  if (mode === 'MUTUAL' && !has(tls.caCertificates))
    list.error(path, 'MUTUAL tls needs caCertificates (or credentialName)');
}

function serverTlsIssues(list: IssueList, tls: ServerTLSSettings | undefined, path: Path): void {
  if (tls === undefined) return;
  const own = carriesCertificates(tls) || namesCredential(tls);
  if (tls.mode === 'ISTIO_MUTUAL' && own)
    list.error(path, 'ISTIO_MUTUAL tls uses the mesh certificates: no certificates, keys or credentialName');
  if ((tls.mode === 'PASSTHROUGH' || tls.mode === 'AUTO_PASSTHROUGH') && (own || has(tls.caCrl)))
    list.error(path, `${tls.mode} tls terminates nothing: no certificates, keys or credentialName`);
  if (tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL') terminationIssues(list, tls, path);
}

function portIssues(list: IssueList, s: Server, path: Path): void {
  const protocol = s.port.protocol;
  if (!PROTOCOLS.has(protocol.toLowerCase()))
    list.error(
      [...path, 'port', 'protocol'],
      `invalid protocol ${JSON.stringify(protocol)}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP, TLS, HTTPS`,
    );
  if (s.port.targetPort !== undefined && s.port.targetPort > 0)
    list.error([...path, 'port', 'targetPort'], 'targetPort has no impact on Gateways');
  if (s.port.name === '') list.error([...path, 'port', 'name'], 'port name must be set');
  if (s.bind !== undefined && s.bind !== '' && !s.bind.startsWith('unix://') && !isIpAddress(s.bind))
    list.error([...path, 'bind'], `bind ${JSON.stringify(s.bind)} is not an IP address`);
}

/** TLS settings must match the port's protocol: required on HTTPS/TLS, only a redirect on plain HTTP. */
function protocolTlsIssues(list: IssueList, s: Server, path: Path): void {
  const protocol = s.port.protocol;
  if (!PROTOCOLS.has(protocol.toLowerCase())) return;
  if (isTlsProtocol(protocol)) {
    if (s.tls === undefined) list.error([...path, 'tls'], 'a server on an HTTPS/TLS port needs tls settings');
    return;
  }
  if (s.tls === undefined) return;
  if (!isHttpProtocol(protocol))
    list.error([...path, 'tls'], 'a server on a non-HTTPS/TLS port cannot have tls settings');
  else if (
    carriesCertificates(s.tls) ||
    namesCredential(s.tls) ||
    (s.tls.mode ?? 'PASSTHROUGH') !== 'PASSTHROUGH'
  )
    list.error([...path, 'tls'], 'a plain-text HTTP server may only set tls.httpsRedirect');
}

function serverIssues(list: IssueList, s: Server, path: Path): void {
  if (s.hosts.length === 0) list.error([...path, 'hosts'], 'a server needs at least one host');
  s.hosts.forEach((h, i) => {
    list.check([...path, 'hosts', i], serverHostError(h));
  });
  portIssues(list, s, path);
  serverTlsIssues(list, s.tls, [...path, 'tls']);
  protocolTlsIssues(list, s, path);
}

/** Istio's validation of a Gateway (pilot's ValidateGateway); `name` is metadata.name. */
export function validateGateway(spec: GatewaySpec, name: string): IstioIssue[] {
  const list = new IssueList();
  if (!isDns1123Label(name))
    list.error([], `invalid gateway name ${JSON.stringify(name)}: a DNS label, without dots`);
  const servers = spec.servers ?? [];
  if (servers.length === 0) list.error(['servers'], 'a Gateway needs at least one server');
  const portNames = new Set<string>();
  servers.forEach((s, i) => {
    serverIssues(list, s, ['servers', i]);
    if (portNames.has(s.port.name))
      list.error(
        ['servers', i, 'port', 'name'],
        `port names in servers must be unique: duplicate name ${s.port.name}`,
      );
    portNames.add(s.port.name);
    if (s.tls?.httpsRedirect === true && !isHttpProtocol(s.port.protocol))
      list.warn(
        ['servers', i, 'tls', 'httpsRedirect'],
        'tls.httpsRedirect should only be used with http servers',
      );
  });
  return list.issues;
}
