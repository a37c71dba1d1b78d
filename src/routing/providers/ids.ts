/**
 * Serin's names of the routing providers it runs: a leaf module, so command definitions can offer
 * them as flag choices without loading the providers. registry.test.ts keeps it equal to the
 * registry.
 */
// One id a line, so providers added side by side merge cleanly.
// prettier-ignore
export const ROUTING_PROVIDER_IDS = [
  'istio',
  'gateway-api',
  'traefik',
  'apisix',
  'kuma',
  'knative',
  'linkerd',
  'osm',
  'smi-v1alpha1',
  'smi-v1alpha2',
  'smi-v1alpha3',
  'contour',
  'gloo',
  'kubernetes',
  'nginx',
  'skipper',
  'appmesh-v1beta2',
] as const;

export type RoutingProviderId = (typeof ROUTING_PROVIDER_IDS)[number];

export function isRoutingProviderId(value: unknown): value is RoutingProviderId {
  return (ROUTING_PROVIDER_IDS as readonly unknown[]).includes(value);
}
