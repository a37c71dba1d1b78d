/**
 * The three Services of a canary (Flagger's conventions): `<svc>-canary` selects the target's pods,
 * `<svc>-primary` the primary's, and the apex `<svc>` the primary's once it exists. Written with
 * server-side apply: ports and selector are Serin's; on a Service the user already had, its other
 * fields (labels, annotations, node ports) stay untouched because Serin never sends them.
 */
import type { Canary } from '../api/canary.js';
import type { KubeClient, KubeObject } from './client.js';
import {
  apexName,
  canaryNamespace,
  canaryServiceName,
  ownerReferenceTo,
  primaryServiceName,
  withoutFluxKeys,
  type Json,
} from './objects.js';
import { Resources } from './resources.js';

export interface Selector {
  label: string;
  value: string;
}

function ports(canary: Canary): Json[] {
  const s = canary.spec.service;
  const port: Json = {
    name: s.portName ?? 'http',
    protocol: 'TCP',
    port: s.port,
    targetPort: s.targetPort ?? s.port,
  };
  if (s.appProtocol !== undefined) port.appProtocol = s.appProtocol;
  return [port];
}

function service(
  canary: Canary,
  name: string,
  selector: Record<string, string>,
  meta:
    | { labels?: Record<string, string> | undefined; annotations?: Record<string, string> | undefined }
    | undefined,
  owned: boolean,
  labelKey: string,
): KubeObject {
  const spec: Json = { type: 'ClusterIP', selector, ports: ports(canary) };
  if (canary.spec.service.headless === true) spec.clusterIP = 'None';
  if (canary.spec.service.trafficDistribution !== undefined)
    spec.trafficDistribution = canary.spec.service.trafficDistribution;
  const metadata: KubeObject['metadata'] = { name, namespace: canaryNamespace(canary) };
  if (owned) {
    metadata.labels = { ...(meta?.labels ?? {}), [labelKey]: name };
    metadata.annotations = withoutFluxKeys(meta?.annotations);
    metadata.ownerReferences = [ownerReferenceTo(canary)];
  }
  return { apiVersion: 'v1', kind: 'Service', metadata, spec };
}

/** Applies `<svc>-canary` and `<svc>-primary`. */
export async function applyCanaryAndPrimaryServices(
  client: KubeClient,
  canary: Canary,
  sel: Selector,
): Promise<void> {
  const s = canary.spec.service;
  await client.applyIfChanged(
    Resources.service,
    service(canary, canaryServiceName(canary), { [sel.label]: sel.value }, s.canary, true, sel.label),
  );
  await client.applyIfChanged(
    Resources.service,
    service(
      canary,
      primaryServiceName(canary),
      { [sel.label]: `${sel.value}-primary` },
      s.primary,
      true,
      sel.label,
    ),
  );
}

/**
 * Applies the apex Service selecting the primary. A Service the user created keeps its own
 * metadata and gets no owner reference (it must outlive the Canary).
 */
export async function applyApexService(client: KubeClient, canary: Canary, sel: Selector): Promise<void> {
  const name = apexName(canary);
  const existing = await client.get(Resources.service, canaryNamespace(canary), name);
  const owned =
    !existing ||
    (existing.metadata.ownerReferences ?? []).some(
      (r) => r.kind === 'Canary' && r.uid === canary.metadata.uid,
    );
  await client.applyIfChanged(
    Resources.service,
    service(
      canary,
      name,
      { [sel.label]: `${sel.value}-primary` },
      canary.spec.service.apex,
      owned,
      sel.label,
    ),
  );
}

/** On revert: the apex Service selects the target's pods again (if it outlives the Canary). */
export async function pointApexAtTarget(client: KubeClient, canary: Canary, sel: Selector): Promise<void> {
  const name = apexName(canary);
  const existing = await client.get(Resources.service, canaryNamespace(canary), name);
  if (!existing) return;
  await client.applyIfChanged(Resources.service, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: canaryNamespace(canary) },
    spec: { selector: { [sel.label]: sel.value }, ports: ports(canary) },
  });
}
