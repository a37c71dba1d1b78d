/**
 * `spec.service` fields that only some providers render (Flagger reads them in its Istio router,
 * some in Contour's or Gateway API's). A provider that has no place for one refuses it, naming the
 * field: Flagger ignores them silently, and a Canary relying on a retry policy or a timeout must
 * not run without one.
 */
import { unsupportedBy, type CapabilityIssue } from '../../api/capability-issue.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What each field asks of the routing objects, for the message. */
export const ROUTING_SERVICE_FIELDS = {
  hosts: 'hosts to route',
  gateways: 'gateways to attach to',
  trafficPolicy: 'a traffic policy',
  match: 'request matches on the apex route',
  rewrite: 'URI or authority rewrites',
  retries: 'a retry policy',
  headers: 'request and response header operations',
  corsPolicy: 'a CORS policy',
  timeout: 'a request timeout',
  backendTimeout: 'a backend timeout',
  delegation: 'delegation',
} as const;

export type RoutingServiceField = keyof typeof ROUTING_SERVICE_FIELDS;

/** `delegation: false` and an empty list ask for nothing. */
const isSet = (v: unknown) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);

/** Every field of `fields` the Canary sets, refused for `provider`. */
export function unrenderableServiceFields(
  spec: Readonly<Json>,
  provider: string,
  fields: readonly RoutingServiceField[] = Object.keys(ROUTING_SERVICE_FIELDS) as RoutingServiceField[],
): CapabilityIssue[] {
  const service = isRecord(spec.service) ? spec.service : {};
  return fields
    .filter((field) => isSet(service[field]))
    .map((field) => unsupportedBy(`spec.service.${field}`, provider, ROUTING_SERVICE_FIELDS[field]));
}
