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
  if (existing && !owned) await dropCollidingPorts(client, existing, svc);
  await client.applyIfChanged(Resources.service, owned ? svc : unowned(svc));
}

type Port = { name?: unknown; port?: unknown; protocol?: unknown };
const portsOf = (svc: KubeObject): Port[] => {
  const ports = (svc.spec as Json | undefined)?.ports;
  return Array.isArray(ports) ? (ports as Port[]) : [];
};
const portKey = (p: Port) => `${String(p.port)}/${typeof p.protocol === 'string' ? p.protocol : 'TCP'}`;

/**
 * A Service the user wrote keeps its ports under server-side apply, keyed by port and protocol.
 * When one of them has the name of a port Serin renders on another number (the user's `http` on
 * 9898, Serin's `http` on `service.port` 80, as in Flagger's own e2e manifests), the merged list
 * would hold the name twice, which the API server refuses. Flagger replaces the ports of such a
 * Service with its own; Serin removes only the colliding ones, so ports the user added under
 * other names stay.
 */
async function dropCollidingPorts(
  client: KubeClient,
  existing: KubeObject,
  desired: KubeObject,
): Promise<void> {
  const wanted = portsOf(desired);
  const names = new Map(wanted.map((p) => [p.name, portKey(p)]));
  const kept = portsOf(existing).filter((p) => {
    const key = names.get(p.name);
    return key === undefined || key === portKey(p);
  });
  if (kept.length === portsOf(existing).length) return;
  const next = structuredClone(existing);
  (next.spec as Json).ports = kept.length > 0 ? kept : wanted;
  await client.replace(Resources.service, next);
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
