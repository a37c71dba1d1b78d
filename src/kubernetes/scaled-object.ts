/**
 * KEDA ScaledObject autoscalers, as Flagger's ScaledObjectReconciler does them:
 *
 * - `<scaledobject>-primary` is a copy of the user's ScaledObject whose `scaleTargetRef` names
 *   `<target>-primary`. Each trigger's `metadata.query` is rewritten: with
 *   `autoscalerRef.primaryScalerQueries`, the query named after the trigger's `name` replaces it;
 *   without, every `<target>-canary` and `<target>` in the query becomes `<target>-primary`.
 *   `primaryScalerReplicas` overrides `minReplicaCount`/`maxReplicaCount`, and a custom HPA name in
 *   `advanced.horizontalPodAutoscalerConfig.name` gets `-primary` (two ScaledObjects cannot own one
 *   HPA). It is created at initialization and refreshed from the user's only on promotion.
 * - The user's ScaledObject (which scales the canary) is paused with KEDA's
 *   `autoscaling.keda.sh/paused-replicas: "0"` annotation while the canary is idle, and the
 *   annotation is removed for an analysis run. The primary never carries it (Flagger issue #1934:
 *   a primary copied from a paused ScaledObject stayed paused).
 */
import type { Canary } from '../api/canary.js';
import type { KubeClient, KubeObject } from './client.js';
import {
  canaryNamespace,
  isRecord,
  ownerReferenceTo,
  primaryName,
  withoutFluxKeys,
  type Json,
} from './objects.js';
import { Resources } from './resources.js';

/** KEDA's pause annotation: the ScaledObject holds its target at this many replicas. */
export const PAUSED_REPLICAS_ANNOTATION = 'autoscaling.keda.sh/paused-replicas';

function scaledObjectName(canary: Canary): string | undefined {
  const ref = canary.spec.autoscalerRef;
  return ref?.kind === 'ScaledObject' ? ref.name : undefined;
}

async function source(client: KubeClient, canary: Canary, name: string): Promise<KubeObject> {
  const ns = canaryNamespace(canary);
  const so = await client.get(Resources.scaledObject, ns, name);
  if (!so) throw new Error(`ScaledObject ${ns}/${name} (spec.autoscalerRef) not found`);
  return so;
}

/** The query of a primary trigger, as Flagger rewrites it. */
export function primaryQuery(canary: Canary, trigger: Json, query: string): string {
  const overrides = canary.spec.autoscalerRef?.primaryScalerQueries;
  if (overrides !== undefined) {
    const name = typeof trigger.name === 'string' ? trigger.name : undefined;
    return name !== undefined && overrides[name] !== undefined ? overrides[name] : query;
  }
  const target = canary.spec.targetRef.name;
  // Split on `<target>-canary` first so it does not become `<target>-primary-canary`, then on
  // `<target>`: every piece of text between matches stays as it was.
  return query
    .split(`${target}-canary`)
    .map((part) => part.split(target).join(primaryName(target)))
    .join(primaryName(target));
}

function primaryTriggers(canary: Canary, triggers: unknown): unknown {
  if (!Array.isArray(triggers)) return triggers;
  return triggers.map((entry: unknown) => {
    if (!isRecord(entry) || !isRecord(entry.metadata) || typeof entry.metadata.query !== 'string')
      return entry;
    return {
      ...entry,
      metadata: { ...entry.metadata, query: primaryQuery(canary, entry, entry.metadata.query) },
    };
  });
}

/** The primary ScaledObject's spec, from the user's. */
export function primaryScaledObjectSpec(canary: Canary, userSpec: Json): Json {
  const spec = structuredClone(userSpec);
  const ref = isRecord(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  spec.scaleTargetRef = { ...ref, name: primaryName(canary.spec.targetRef.name) };
  spec.triggers = primaryTriggers(canary, spec.triggers);
  const overrides = canary.spec.autoscalerRef?.primaryScalerReplicas;
  if (overrides?.minReplicas !== undefined) spec.minReplicaCount = overrides.minReplicas;
  if (overrides?.maxReplicas !== undefined) spec.maxReplicaCount = overrides.maxReplicas;
  const advanced = isRecord(spec.advanced) ? spec.advanced : undefined;
  const hpaConfig = isRecord(advanced?.horizontalPodAutoscalerConfig)
    ? advanced.horizontalPodAutoscalerConfig
    : undefined;
  if (hpaConfig && typeof hpaConfig.name === 'string' && hpaConfig.name !== '')
    hpaConfig.name = primaryName(hpaConfig.name);
  return spec;
}

/** Creates (or, with `update`, refreshes) `<scaledobject>-primary`; no-op without a ScaledObject autoscalerRef. */
export async function applyPrimaryScaledObject(
  client: KubeClient,
  canary: Canary,
  update: boolean,
): Promise<void> {
  const name = scaledObjectName(canary);
  if (name === undefined) return;
  const ns = canaryNamespace(canary);
  const user = await source(client, canary, name);
  const existing = await client.get(Resources.scaledObject, ns, primaryName(name));
  if (existing && !update) return;
  const annotations = withoutFluxKeys(user.metadata.annotations);
  Reflect.deleteProperty(annotations, PAUSED_REPLICAS_ANNOTATION);
  const desired: KubeObject = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: {
      name: primaryName(name),
      namespace: ns,
      labels: withoutFluxKeys(user.metadata.labels),
      annotations,
      ownerReferences: [ownerReferenceTo(canary)],
    },
    spec: primaryScaledObjectSpec(canary, isRecord(user.spec) ? user.spec : {}),
  };
  await client.applyIfChanged(Resources.scaledObject, desired);
}

/** Pauses (`paused`) or resumes the user's ScaledObject, writing only when that changes something. */
export async function pauseScaledObject(client: KubeClient, canary: Canary, paused: boolean): Promise<void> {
  const name = scaledObjectName(canary);
  if (name === undefined) return;
  const so = await source(client, canary, name);
  const current = so.metadata.annotations?.[PAUSED_REPLICAS_ANNOTATION];
  if (paused ? current === '0' : current === undefined) return; // idle ticks write nothing
  await client.patch(Resources.scaledObject, canaryNamespace(canary), name, {
    metadata: {
      annotations: { [PAUSED_REPLICAS_ANNOTATION]: paused ? '0' : null },
      resourceVersion: so.metadata.resourceVersion,
    },
  });
}

/** The user's ScaledObject's `minReplicaCount`, which Flagger's ScaleFromZero uses. */
export async function scaledObjectMinReplicas(
  client: KubeClient,
  canary: Canary,
): Promise<number | undefined> {
  const name = scaledObjectName(canary);
  if (name === undefined) return undefined;
  const so = await client.get(Resources.scaledObject, canaryNamespace(canary), name);
  const min = isRecord(so?.spec) ? so.spec.minReplicaCount : undefined;
  return typeof min === 'number' ? min : undefined;
}
