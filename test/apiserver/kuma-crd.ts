/**
 * Kuma's TrafficRoute (`kuma.io/v1alpha1`), as a cluster with Kuma 2.x's CRDs installed serves it:
 * cluster-scoped, with the mesh in a top-level `mesh` string and a `spec` the CRD keeps as it
 * comes (Kuma validates policies in its admission webhook, not in the schema). Written from the
 * published CRD (kumahq/kuma, `deployments/charts/kuma/crds/kuma.io_trafficroutes.yaml`, before
 * Kuma removed its legacy policies from the main branch in July 2026).
 */
import { crdObject } from './standard-crds.js';
import type { JsonObject } from './json.js';

export const KUMA_TRAFFIC_ROUTE_SCHEMA: JsonObject = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    mesh: { type: 'string' },
    metadata: { type: 'object' },
    spec: { 'x-kubernetes-preserve-unknown-fields': true },
  },
};

export function kumaCrds(): JsonObject[] {
  return [
    crdObject({
      group: 'kuma.io',
      kind: 'TrafficRoute',
      plural: 'trafficroutes',
      versions: ['v1alpha1'],
      scope: 'Cluster',
      categories: ['kuma'],
      schemas: { v1alpha1: KUMA_TRAFFIC_ROUTE_SCHEMA },
    }),
  ];
}
