/**
 * Metadata of a routing object Serin owns at the apex (a TraefikService, an ApisixRoute copy, ...):
 * Flagger gives these the apex's custom labels and annotations with Flux's opt-outs
 * (pkg/router/util.go filterMetadata) and, on a cluster, the Canary as controlling owner.
 */
import type { Canary } from '../../api/canary.js';
import { routingAnnotations } from '../render/flux.js';
import { ownerReferences, type KubeObject } from '../render/kubernetes.js';

export function ownedMetadata(
  canary: Canary,
  name: string,
  custom = canary.spec.service.apex,
): KubeObject['metadata'] {
  const owners = ownerReferences(canary);
  return {
    name,
    ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
    ...(custom?.labels ? { labels: custom.labels } : {}),
    annotations: routingAnnotations(custom?.annotations),
    ...(owners ? { ownerReferences: owners } : {}),
  };
}
