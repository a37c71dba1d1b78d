/**
 * kube-apiserver's checks on a `networking.k8s.io/v1` Ingress (ValidateIngressSpec, on create and
 * update), for what Serin's ingress providers write: either rules or a default backend; hosts are
 * DNS names (a leading `*.` allowed), never IPs; every HTTP rule has paths, every path a
 * `pathType` (Exact and Prefix with an absolute path); every backend exactly one of a service or
 * a resource, a service has a DNS-1035 name and exactly one of a port name or number.
 */
import { isObject, type JsonObject, type JsonValue } from './json.js';

export interface IngressCause {
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported';
  field: string;
  message: string;
}

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

const required = (field: string, detail = ''): IngressCause => ({
  reason: 'FieldValueRequired',
  field,
  message: detail === '' ? 'Required value' : `Required value: ${detail}`,
});
const bad = (field: string, value: JsonValue | undefined, detail: string): IngressCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value ?? '')}: ${detail}`,
});

const text = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
const list = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);

function hostCauses(host: string, field: string): IngressCause[] {
  if (host === '') return [];
  if (IPV4.test(host) || host.includes(':'))
    return [bad(field, host, 'must be a DNS name, not an IP address')];
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (name.length + (host.length - name.length) > 253)
    return [bad(field, host, 'must be no more than 253 characters')];
  if (!DNS1123_SUBDOMAIN.test(name))
    return [
      bad(
        field,
        host,
        host.startsWith('*.')
          ? "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character"
          : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      ),
    ];
  return [];
}

/** IANA service names, as a Service port name is referred to (IsValidPortName). */
function portNameProblem(name: string): string | undefined {
  if (name.length > 15) return 'must be no more than 15 characters';
  if (!/^[-a-z0-9]+$/.test(name))
    return 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)';
  if (!/[a-z]/.test(name)) return 'must contain at least one letter (a-z)';
  if (name.includes('--')) return 'must not contain consecutive hyphens';
  if (name.startsWith('-') || name.endsWith('-')) return 'must not begin or end with a hyphen';
  return undefined;
}

function serviceBackendCauses(service: JsonObject, field: string): IngressCause[] {
  const causes: IngressCause[] = [];
  const name = text(service.name);
  if (name === '') causes.push(required(`${field}.name`));
  else if (name.length > 63) causes.push(bad(`${field}.name`, name, 'must be no more than 63 characters'));
  else if (!DNS1035_LABEL.test(name))
    causes.push(
      bad(
        `${field}.name`,
        name,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ),
    );
  const port = isObject(service.port) ? service.port : {};
  const portName = text(port.name);
  const number = typeof port.number === 'number' ? port.number : 0;
  if (portName !== '' && number !== 0) {
    causes.push(bad(`${field}.port`, '', 'cannot set both port name & port number'));
  } else if (portName !== '') {
    const problem = portNameProblem(portName);
    if (problem !== undefined) causes.push(bad(`${field}.port.name`, portName, problem));
  } else if (number !== 0) {
    if (!Number.isInteger(number) || number < 1 || number > 65535)
      causes.push(bad(`${field}.port.number`, number, 'must be between 1 and 65535, inclusive'));
  } else {
    causes.push(required(`${field}.port`, 'port name or number is required'));
  }
  return causes;
}

function backendCauses(backend: JsonValue | undefined, field: string): IngressCause[] {
  const b = isObject(backend) ? backend : {};
  const service = isObject(b.service) ? b.service : undefined;
  const resource = isObject(b.resource) ? b.resource : undefined;
  if (service && resource) return [bad(field, '', 'cannot set both resource and service backends')];
  if (service) return serviceBackendCauses(service, `${field}.service`);
  if (resource) {
    return ['kind', 'name']
      .filter((k) => text(resource[k]) === '')
      .map((k) => required(`${field}.resource.${k}`));
  }
  return [bad(field, '', 'resource or service backend is required')];
}

const BAD_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const BAD_ENDINGS = ['/..', '/.'];

function pathCauses(path: JsonValue, field: string): IngressCause[] {
  const p = isObject(path) ? path : {};
  const causes: IngressCause[] = [];
  const value = text(p.path);
  const type = p.pathType;
  if (type === undefined || type === null) {
    causes.push(required(`${field}.pathType`, 'pathType must be specified'));
  } else if (typeof type !== 'string' || !PATH_TYPES.includes(type)) {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: `${field}.pathType`,
      message: `Unsupported value: ${JSON.stringify(type)}: supported values: ${PATH_TYPES.map((t) => `"${t}"`).join(', ')}`,
    });
  } else if (type !== 'ImplementationSpecific' || value !== '') {
    if (!value.startsWith('/')) causes.push(bad(`${field}.path`, value, 'must be an absolute path'));
    else if (type !== 'ImplementationSpecific') {
      const seq = BAD_SEQUENCES.find((s) => value.includes(s));
      const end = BAD_ENDINGS.find((s) => value.endsWith(s));
      if (seq !== undefined) causes.push(bad(`${field}.path`, value, `must not contain '${seq}'`));
      else if (end !== undefined) causes.push(bad(`${field}.path`, value, `cannot end with '${end}'`));
    }
  }
  causes.push(...backendCauses(p.backend, `${field}.backend`));
  return causes;
}

function ruleCauses(rule: JsonValue, field: string): IngressCause[] {
  const r = isObject(rule) ? rule : {};
  const causes = hostCauses(text(r.host), `${field}.host`);
  if (isObject(r.http)) {
    const paths = list(r.http.paths);
    if (paths.length === 0) causes.push(required(`${field}.http.paths`));
    paths.forEach((path, i) => causes.push(...pathCauses(path, `${field}.http.paths[${String(i)}]`)));
  }
  return causes;
}

export function ingressCauses(ingress: JsonObject): IngressCause[] {
  const spec = isObject(ingress.spec) ? ingress.spec : {};
  const rules = list(spec.rules);
  const causes: IngressCause[] = [];
  if (rules.length === 0 && spec.defaultBackend === undefined)
    causes.push(bad('spec', '', 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend !== undefined)
    causes.push(...backendCauses(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => causes.push(...ruleCauses(rule, `spec.rules[${String(i)}]`)));
  list(spec.tls).forEach((tls, i) => {
    list(isObject(tls) ? tls.hosts : undefined).forEach((host, j) =>
      causes.push(...hostCauses(text(host), `spec.tls[${String(i)}].hosts[${String(j)}]`)),
    );
  });
  const className = spec.ingressClassName;
  if (typeof className === 'string' && !DNS1123_SUBDOMAIN.test(className))
    causes.push(
      bad(
        'spec.ingressClassName',
        className,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      ),
    );
  return causes;
}
