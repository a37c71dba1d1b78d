/**
 * Applies the three Services of a canary, rendered by src/routing (`<svc>-canary` selects the
 * target's pods, `<svc>-primary` and the apex `<svc>` the primary's). Written with server-side
 * apply: on a Service the user already had, Serin sends only ports and selector, so its other
 * fields (labels, annotations, node ports) stay untouched.
 */
import type { Canary } from '../api/canary.js';
import { FLUX_ANNOTATIONS } from '../routing/render/flux.js';
import { renderServices, type Selector, type TargetWorkload } from '../routing/render/kubernetes.js';
import { serviceNames } from '../routing/names.js';
import type { KubeClient, KubeObject } from './client.js';
import { apexName, canaryNamespace, type Json } from './objects.js';
import { Resources } from './resources.js';

export type { Selector };

/** One of the rendered Services; with `target`, `portDiscovery` adds its other container ports. */
function rendered(canary: Canary, sel: Selector, name: string, target?: TargetWorkload): KubeObject {
  const svc = renderServices(canary, target, sel).find((s) => s.metadata.name === name);
  if (!svc) throw new Error(`Service ${name} was not rendered`);
  return svc as KubeObject;
}

/**
 * A Service the user created keeps its own metadata and gets no owner reference; it gets Flux's
 * opt-outs (as Flagger sets them), which leave with Serin's apply on revert.
 */
function unowned(svc: KubeObject): KubeObject {
  const { name, namespace } = svc.metadata;
  return {
    ...svc,
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      annotations: { ...FLUX_ANNOTATIONS },
    },
  };
}

/** Applies `<svc>-canary` and `<svc>-primary`, with the target's ports under `portDiscovery`. */
export async function applyCanaryAndPrimaryServices(
  client: KubeClient,
  canary: Canary,
  sel: Selector,
  target?: TargetWorkload,
): Promise<void> {
  const names = serviceNames(canary);
  await client.applyIfChanged(Resources.service, rendered(canary, sel, names.canary, target));
  await client.applyIfChanged(Resources.service, rendered(canary, sel, names.primary, target));
}

/**
 * Applies the apex Service selecting the primary. A Service the user created keeps its own
 * metadata and gets no owner reference (it must outlive the Canary).
 */
export async function applyApexService(
  client: KubeClient,
  canary: Canary,
  sel: Selector,
  target?: TargetWorkload,
): Promise<void> {
  const name = apexName(canary);
  const existing = await client.get(Resources.service, canaryNamespace(canary), name);
  const owned =
    !existing ||
    (existing.metadata.ownerReferences ?? []).some(
      (r) => r.kind === 'Canary' && r.uid === canary.metadata.uid,
    );
  const svc = rendered(canary, sel, name, target);
  await client.applyIfChanged(Resources.service, owned ? svc : unowned(svc));
}

/** On revert: the apex Service selects the target's pods again (if it outlives the Canary). */
export async function pointApexAtTarget(client: KubeClient, canary: Canary, sel: Selector): Promise<void> {
  const name = apexName(canary);
  const existing = await client.get(Resources.service, canaryNamespace(canary), name);
  if (!existing) return;
  const ports = (rendered(canary, sel, name).spec as Json | undefined)?.ports;
  await client.applyIfChanged(Resources.service, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: canaryNamespace(canary) },
    spec: { selector: { [sel.label]: sel.value }, ports },
  });
}
