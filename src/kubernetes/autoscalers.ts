/**
 * The primary's autoscaler, whichever kind `spec.autoscalerRef` names: a HorizontalPodAutoscaler
 * (hpa.ts) or a KEDA ScaledObject (scaled-object.ts). The target's own autoscaler is paused while
 * the canary is idle the way Flagger does it: a KEDA ScaledObject gets its pause annotation; an
 * HPA needs nothing, since it does not scale a target at zero replicas.
 */
import type { Canary } from '../api/canary.js';
import type { KubeClient } from './client.js';
import { applyPrimaryHpa, hpaMinReplicas } from './hpa.js';
import { applyPrimaryScaledObject, pauseScaledObject, scaledObjectMinReplicas } from './scaled-object.js';

/** Creates (or, with `update`, refreshes) the primary's autoscaler; no-op without `autoscalerRef`. */
export async function applyPrimaryScaler(client: KubeClient, canary: Canary, update: boolean): Promise<void> {
  await applyPrimaryHpa(client, canary, update);
  await applyPrimaryScaledObject(client, canary, update);
}

/** Stops the target's autoscaler from scaling the idle canary up (Flagger's PauseTargetScaler). */
export async function pauseTargetScaler(client: KubeClient, canary: Canary): Promise<void> {
  await pauseScaledObject(client, canary, true);
}

/** Lets the target's autoscaler scale the canary during a run (Flagger's ResumeTargetScaler). */
export async function resumeTargetScaler(client: KubeClient, canary: Canary): Promise<void> {
  await pauseScaledObject(client, canary, false);
}

/** The target autoscaler's minimum replicas (HPA `minReplicas`, KEDA `minReplicaCount`), if set. */
export async function scalerMinReplicas(client: KubeClient, canary: Canary): Promise<number | undefined> {
  return (await hpaMinReplicas(client, canary)) ?? (await scaledObjectMinReplicas(client, canary));
}
