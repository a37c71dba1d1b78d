import {
  DestinationRuleSpecSchema,
  VirtualServiceSpecSchema,
  type DestinationRuleSpec,
  type VirtualServiceSpec,
} from '../../api/istio.js';

/**
 * Istio networking v1 resources as routing handles them. The spec schemas are the one strict
 * definition of each Istio shape in src/api/istio.ts (re-exported here for routing's modules):
 * every Istio field is modelled, so a VirtualService Serin reads and writes back in merge mode
 * keeps all of its fields, and a field Istio does not define is an error naming it.
 */
export * from '../../api/istio.js';

export const ISTIO_NETWORKING_API_VERSION = 'networking.istio.io/v1';

export interface ObjectMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Record<string, unknown>[];
}

export interface VirtualService {
  apiVersion: string;
  kind: 'VirtualService';
  metadata: ObjectMetadata;
  spec: VirtualServiceSpec;
}

export interface DestinationRule {
  apiVersion: string;
  kind: 'DestinationRule';
  metadata: ObjectMetadata;
  spec: DestinationRuleSpec;
}

/** Parses a VirtualService spec; throws a ZodError whose issues carry the failing path. */
export function parseVirtualServiceSpec(value: unknown): VirtualServiceSpec {
  return VirtualServiceSpecSchema.parse(value);
}

export function parseDestinationRuleSpec(value: unknown): DestinationRuleSpec {
  return DestinationRuleSpecSchema.parse(value);
}
