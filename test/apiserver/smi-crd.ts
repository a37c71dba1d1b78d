/**
 * SMI's TrafficSplit CRD (`split.smi-spec.io`), as the SMI SDK publishes it and the linkerd-smi
 * extension installs it: v1alpha1 (stored) whose backend weight is an int-or-string quantity,
 * v1alpha2 and v1alpha3 whose weight is a number, all three with `service` and `backends` required
 * and each backend's `service` and `weight` required; v1alpha3 adds `matches`, references to
 * HTTPRouteGroups. No converter (`strategy: None`), so a TrafficSplit reads back in any version.
 * The schema facts are written here in our own words; no package ships them.
 */
import type { JsonObject } from './json.js';
import { crdObject } from './standard-crds.js';

function backends(weight: JsonObject): JsonObject {
  return {
    type: 'array',
    items: {
      type: 'object',
      required: ['service', 'weight'],
      properties: { service: { type: 'string' }, weight },
    },
  };
}

function trafficSplitSchema(weight: JsonObject, extra: Record<string, JsonObject> = {}): JsonObject {
  return {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['service', 'backends'],
        properties: { service: { type: 'string' }, backends: backends(weight), ...extra },
      },
    },
  };
}

const MATCHES: JsonObject = {
  type: 'array',
  items: {
    type: 'object',
    required: ['kind', 'name'],
    properties: { kind: { type: 'string' }, name: { type: 'string' }, apiGroup: { type: 'string' } },
  },
};

export function smiCrds(): JsonObject[] {
  return [
    crdObject({
      group: 'split.smi-spec.io',
      kind: 'TrafficSplit',
      plural: 'trafficsplits',
      versions: ['v1alpha1', 'v1alpha2', 'v1alpha3'],
      shortNames: ['ts'],
      schemas: {
        v1alpha1: trafficSplitSchema({ 'x-kubernetes-int-or-string': true }),
        v1alpha2: trafficSplitSchema({ type: 'number' }),
        v1alpha3: trafficSplitSchema({ type: 'number' }, { matches: MATCHES }),
      },
      columns: [{ name: 'Service', type: 'string', jsonPath: '.spec.service' }],
    }),
  ];
}
