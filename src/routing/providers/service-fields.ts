/**
 * `spec.service` fields that shape routing (timeouts, retries, header and CORS policies, rewrites,
 * extra matches, Istio traffic policy and delegation) and that a provider's object has no place
 * for. Flagger drops them without a word for most providers; Serin refuses each one, naming it.
 */
import { unsupportedBy, type CapabilityIssue } from '../../api/capability-issue.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What each field asks for, in the words of the refusal. */
const ROUTING_FIELDS: Readonly<Record<string, string>> = {
  timeout: 'a request timeout',
  backendTimeout: 'a backend timeout',
  retries: 'retries',
  headers: 'request and response header rules',
  corsPolicy: 'a CORS policy',
  rewrite: 'a URI or authority rewrite',
  match: 'extra request matches',
  trafficPolicy: 'an Istio traffic policy',
  delegation: 'VirtualService delegation',
};

export type RoutingServiceField = keyof typeof ROUTING_FIELDS;

/** Refusals for the routing fields of `spec.service` set in `spec` that `provider` cannot render. */
export function unrenderedServiceFields(
  spec: Readonly<Json>,
  provider: string,
  renders: readonly string[] = [],
): CapabilityIssue[] {
  const service = isRecord(spec.service) ? spec.service : {};
  const set = (value: unknown) => value !== undefined && !(Array.isArray(value) && value.length === 0);
  const issues = Object.entries(ROUTING_FIELDS)
    .filter(([field]) => !renders.includes(field) && set(service[field]))
    .filter(([field]) => field !== 'delegation' || service.delegation === true)
    .map(([field, what]) => unsupportedBy(`spec.service.${field}`, provider, what));
  if (service.routing === 'merge')
    issues.push(
      unsupportedBy('spec.service.routing', provider, 'merge routing (it edits a user VirtualService)'),
    );
  return issues;
}

/**
 * `spec.service.match` for providers whose route is one path prefix (Flagger's Contour and App
 * Mesh routers read `match[0].uri.prefix` only): a finding naming the field for anything else,
 * and the prefix (`/` when unset).
 */
export function prefixOnlyMatch(
  service: Readonly<Json>,
  provider: string,
): { issues: CapabilityIssue[]; prefix: string } {
  const matches = Array.isArray(service.match) ? service.match.filter(isRecord) : [];
  const uri = matches[0]?.uri;
  const onlyPrefix =
    matches.length === 0 ||
    (matches.length === 1 &&
      Object.keys(matches[0] ?? {}).every((k) => k === 'uri') &&
      isRecord(uri) &&
      Object.keys(uri).every((k) => k === 'prefix'));
  const prefix = isRecord(uri) && typeof uri.prefix === 'string' && uri.prefix !== '' ? uri.prefix : '/';
  return {
    issues: onlyPrefix
      ? []
      : [unsupportedBy('spec.service.match', provider, 'a service match other than one uri.prefix')],
    prefix,
  };
}
