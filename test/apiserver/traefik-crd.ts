/**
 * Traefik's TraefikService (`traefik.io/v1alpha1`), as a cluster with Traefik v3's CRDs installed
 * serves it. No Node 20 package carries the schema in a readable form (`@kubernetes-models/traefik`
 * 1.x and 2.x need Node 22; 0.2.x ships compiled validators only), so these are the schema facts
 * Serin's output depends on, written from the published CRD (traefik-helm-chart
 * `crds/traefik.io_traefikservices.yaml`): `metadata` and `spec` are required, a weighted service
 * needs a `name`, its `port` is an int-or-string, its `weight` an integer of at least 0, its
 * `kind` one of `Service`/`TraefikService`. Sticky cookies and the other service kinds
 * (`mirroring`, `failover`, `highestRandomWeight`) are kept as they come: Serin writes none.
 */
import { crdObject } from './standard-crds.js';
import type { JsonObject } from './json.js';

const KEPT: JsonObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const INT_OR_STRING: JsonObject = {
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
};

const WEIGHTED_SERVICE: JsonObject = {
  type: 'object',
  required: ['name'],
  properties: {
    kind: { type: 'string', enum: ['Service', 'TraefikService'] },
    name: { type: 'string' },
    namespace: { type: 'string' },
    port: INT_OR_STRING,
    weight: { type: 'integer', minimum: 0 },
    scheme: { type: 'string' },
    strategy: { type: 'string', enum: ['wrr', 'p2c', 'hrw', 'leasttime'] },
    passHostHeader: { type: 'boolean' },
    serversTransport: { type: 'string' },
    nativeLB: { type: 'boolean' },
    nodePortLB: { type: 'boolean' },
    sticky: KEPT,
    healthCheck: KEPT,
    middlewares: { type: 'array', items: KEPT },
    responseForwarding: { type: 'object', properties: { flushInterval: { type: 'string' } } },
  },
};

export const TRAEFIK_SERVICE_SCHEMA: JsonObject = {
  type: 'object',
  required: ['metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        weighted: {
          type: 'object',
          properties: {
            services: { type: 'array', items: WEIGHTED_SERVICE },
            sticky: KEPT,
          },
        },
        mirroring: KEPT,
        failover: KEPT,
        highestRandomWeight: KEPT,
      },
    },
  },
};

export function traefikCrds(): JsonObject[] {
  return [
    crdObject({
      group: 'traefik.io',
      kind: 'TraefikService',
      plural: 'traefikservices',
      versions: ['v1alpha1'],
      schemas: { v1alpha1: TRAEFIK_SERVICE_SCHEMA },
    }),
  ];
}
