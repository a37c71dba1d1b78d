/**
 * The primary's HorizontalPodAutoscaler (autoscaling/v2): a copy of the user's HPA pointed at
 * `<target>-primary`. Created at initialization; updated from the user's HPA only on promotion.
 */
import type { Canary } from '../api/canary.js';
import type { KubeClient, KubeObject } from './client.js';
import { canaryNamespace, isRecord, ownerReferenceTo, primaryName, withoutFluxKeys } from './objects.js';
import { Resources } from './resources.js';

function hpaRef(canary: Canary): string | undefined {
  const ref = canary.spec.autoscalerRef;
  return ref?.kind === 'HorizontalPodAutoscaler' ? ref.name : undefined;
}

/** Creates (or, with `update`, refreshes) `<hpa>-primary`; no-op without an HPA autoscalerRef. */
export async function applyPrimaryHpa(client: KubeClient, canary: Canary, update: boolean): Promise<void> {
  const name = hpaRef(canary);
  if (name === undefined) return;
  const ns = canaryNamespace(canary);
  const source = await client.get(Resources.hpa, ns, name);
  if (!source) throw new Error(`HorizontalPodAutoscaler ${ns}/${name} (spec.autoscalerRef) not found`);
  const existing = await client.get(Resources.hpa, ns, primaryName(name));
  if (existing && !update) return;
  const spec = structuredClone(isRecord(source.spec) ? source.spec : {});
  const ref = isRecord(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  spec.scaleTargetRef = {
    ...ref,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: primaryName(canary.spec.targetRef.name),
  };
  const overrides = canary.spec.autoscalerRef?.primaryScalerReplicas;
  if (overrides?.minReplicas !== undefined) spec.minReplicas = overrides.minReplicas;
  if (overrides?.maxReplicas !== undefined) spec.maxReplicas = overrides.maxReplicas;
  const desired: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: primaryName(name),
      namespace: ns,
      labels: withoutFluxKeys(source.metadata.labels),
      annotations: withoutFluxKeys(source.metadata.annotations),
      ownerReferences: [ownerReferenceTo(canary)],
    },
    spec: spec,
  };
  await client.applyIfChanged(Resources.hpa, desired);
}

export async function hpaMinReplicas(client: KubeClient, canary: Canary): Promise<number | undefined> {
  const name = hpaRef(canary);
  if (name === undefined) return undefined;
  const hpa = await client.get(Resources.hpa, canaryNamespace(canary), name);
  const min = isRecord(hpa?.spec) ? hpa.spec.minReplicas : undefined;
  return typeof min === 'number' ? min : undefined;
}
