/**
 * Removes what Serin created for a Canary once it is deleted: only objects whose controller owner
 * reference is this Canary (a Service or VirtualService the user made is never deleted). Kubernetes
 * garbage collection would do the same through the owner references; doing it here makes deletion
 * finish in order (target serving first) and also works where no garbage collector runs. What is
 * already gone (a namespace being deleted takes everything with it) is simply skipped.
 */
import type { Canary } from '../api/canary.js';
import type { KubeClient } from './client.js';
import { stateName } from './canary-state.js';
import {
  apexName,
  canaryNamespace,
  canaryServiceName,
  isOwnedBy,
  primaryName,
  primaryServiceName,
} from './objects.js';
import { Resources, type ResourceType } from './resources.js';

export async function cleanupOwnedObjects(client: KubeClient, canary: Canary): Promise<void> {
  const ns = canaryNamespace(canary);
  const candidates: [ResourceType, string][] = [
    [Resources.deployment, primaryName(canary.spec.targetRef.name)],
    [Resources.daemonSet, primaryName(canary.spec.targetRef.name)],
    [Resources.service, apexName(canary)],
    [Resources.service, primaryServiceName(canary)],
    [Resources.service, canaryServiceName(canary)],
    [Resources.destinationRule, primaryServiceName(canary)],
    [Resources.destinationRule, canaryServiceName(canary)],
    [Resources.virtualService, apexName(canary)],
    [Resources.httpRoute, apexName(canary)],
    // The companion status of a flagger.app Canary (ADR 0010).
    [Resources.configMap, stateName(canary.metadata.name)],
  ];
  if (canary.spec.autoscalerRef?.kind === 'HorizontalPodAutoscaler') {
    candidates.push([Resources.hpa, primaryName(canary.spec.autoscalerRef.name)]);
  }
  if (canary.spec.autoscalerRef?.kind === 'ScaledObject') {
    candidates.push([Resources.scaledObject, primaryName(canary.spec.autoscalerRef.name)]);
  }
  for (const key of Object.keys(canary.status?.trackedConfigs ?? {})) {
    const [kind, name] = key.split('/');
    if (name === undefined) continue;
    candidates.push([kind === 'secret' ? Resources.secret : Resources.configMap, primaryName(name)]);
  }
  for (const [type, name] of candidates) {
    let object;
    try {
      object = await client.get(type, ns, name);
    } catch {
      continue; // a kind this cluster does not serve (no Istio, no Gateway API)
    }
    if (object && isOwnedBy(object, canary)) await client.delete(type, ns, name);
  }
}
