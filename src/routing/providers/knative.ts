/**
 * Knative (`spec.provider: knative`): the split lives in the user's own Knative Service
 * (`serving.knative.dev/v1`, the Canary's `targetRef`), as Flagger's knative router writes it
 * (pkg/router/knative.go): `spec.traffic` sends the canary's share to the latest revision
 * (`latestRevision: true`) and the rest to the primary revision, the one the Service's
 * `flagger.app/primary-revision` annotation names. Knative's controller creates a Revision for
 * every template change; the primary revision is recorded at initialisation and moved to the latest
 * on promotion (src/kubernetes/knative-target.ts), so this module only reads it.
 *
 * The Service is the user's: Serin applies only the annotation and `spec.traffic` (server-side
 * apply keeps the template, owned by whoever wrote it) and never gives it an owner reference, so
 * deleting the Canary never deletes the user's Service. On deletion the fields are given back:
 * with Serin's traffic gone, Knative routes everything to the latest revision again.
 *
 * Weights only: a Knative route has no request matching, mirroring or stickiness, so Flagger renders
 * none and a Canary asking for one is refused (features). Knative Services are served by Knative's
 * own routes, so the `spec.service` fields of the other providers (Services, hosts, gateways, retry
 * policies) have no object to go in and are refused too.
 */
import type { Canary } from '../../api/canary.js';
import type { CapabilityIssue } from '../../api/capability-issue.js';
import type { ResourceType } from '../../kubernetes/resources.js';
import { validatePlan } from '../render/plan.js';
import {
  ALL_ON_PRIMARY,
  type KubeObject,
  type Lookup,
  type RoutingProvider,
  type TrafficPlan,
} from './types.js';
import { unrenderableServiceFields } from './unrenderable-fields.js';

export const KNATIVE_SERVICE: ResourceType = {
  group: 'serving.knative.dev',
  version: 'v1',
  plural: 'services',
  kind: 'Service',
  namespaced: true,
};

export const KNATIVE_REVISION: ResourceType = {
  group: 'serving.knative.dev',
  version: 'v1',
  plural: 'revisions',
  kind: 'Revision',
  namespaced: true,
};

/** Where the primary revision is recorded on the Knative Service: Flagger's key, so either controller can take over. */
export const PRIMARY_REVISION_ANNOTATION = 'flagger.app/primary-revision';

export const KNATIVE_API_VERSION = 'serving.knative.dev/v1';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** Whether a `targetRef` names a Knative Service (Flagger's IsKnativeService). */
export function isKnativeTarget(ref: { apiVersion?: unknown; kind?: unknown }): boolean {
  return ref.kind === 'Service' && ref.apiVersion === KNATIVE_API_VERSION;
}

export class KnativeServiceError extends Error {}

/** What these readers need of a live Service, rendered or read from a cluster. */
interface ServiceLike {
  metadata: { annotations?: Record<string, string> | undefined };
  status?: unknown;
}

/** The primary revision a live Knative Service records, if it records one. */
export function primaryRevisionOf(service: ServiceLike | undefined): string | undefined {
  const value = service?.metadata.annotations?.[PRIMARY_REVISION_ANNOTATION];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The revision Knative created last for the Service's template (`status.latestCreatedRevisionName`). */
export function latestCreatedRevisionOf(service: ServiceLike | undefined): string | undefined {
  const status = isRecord(service?.status) ? service.status : {};
  const name = status.latestCreatedRevisionName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * The fields of the Knative Service Serin manages for `plan`: the primary-revision annotation
 * (as the live Service records it, so applying never drops it) and the two traffic targets.
 */
export function renderKnativeTraffic(canary: Canary, plan: TrafficPlan, live: Lookup): KubeObject {
  validatePlan(plan);
  const name = canary.spec.targetRef.name;
  const service = live(KNATIVE_SERVICE, name);
  if (!service)
    throw new KnativeServiceError(
      `spec.targetRef: Knative Service ${name} not found: its split names its revisions, so give the live Service (kubectl get ksvc ${name} -o yaml) with -f`,
    );
  // Without a recorded primary, the one initialisation records: the revision Knative created last
  // (Flagger's router Reconcile does the same).
  const primary = primaryRevisionOf(service) ?? latestCreatedRevisionOf(service);
  if (primary === undefined)
    throw new KnativeServiceError(
      `Knative Service ${name} (spec.targetRef) has no revision yet: neither a ${PRIMARY_REVISION_ANNOTATION} annotation nor status.latestCreatedRevisionName`,
    );
  return {
    apiVersion: KNATIVE_API_VERSION,
    kind: 'Service',
    metadata: {
      name,
      ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
      annotations: { [PRIMARY_REVISION_ANNOTATION]: primary },
    },
    spec: {
      traffic: [
        { latestRevision: true, percent: plan.canaryWeight },
        { revisionName: primary, percent: plan.primaryWeight },
      ],
    },
  };
}

/**
 * The split Serin's traffic targets in `spec.traffic` ask for: the latest revision's share is the
 * canary's. Anything else (no annotation yet, the user's own traffic block) is all on the primary,
 * which is what Knative serves until Serin writes its targets.
 */
function read(canary: Canary, live: Lookup) {
  const service = live(KNATIVE_SERVICE, canary.spec.targetRef.name);
  const primary = primaryRevisionOf(service);
  const traffic = records(isRecord(service?.spec) ? service.spec.traffic : undefined);
  const latest = traffic.find((t) => t.latestRevision === true && t.revisionName === undefined);
  const pinned = traffic.find((t) => t.revisionName === primary && t.latestRevision !== true);
  if (primary === undefined || !latest || !pinned || traffic.length !== 2) return ALL_ON_PRIMARY;
  if (typeof latest.percent !== 'number' || typeof pinned.percent !== 'number') return ALL_ON_PRIMARY;
  return { primaryWeight: pinned.percent, canaryWeight: latest.percent, mirrored: false };
}

/** A Knative Service target and the knative provider go together (Flagger's verifyKnativeCanary). */
function issues(spec: Readonly<Json>): CapabilityIssue[] {
  const ref = isRecord(spec.targetRef) ? spec.targetRef : {};
  const found: CapabilityIssue[] = [];
  if (!isKnativeTarget(ref))
    found.push({
      path: 'spec.targetRef',
      message: `the knative provider runs a Knative Service target (apiVersion ${KNATIVE_API_VERSION}, kind Service), got ${String(ref.apiVersion)} ${String(ref.kind)}`,
      severity: 'error',
      reason: 'Invalid',
    });
  if (spec.service !== undefined)
    found.push({
      path: 'spec.service',
      message:
        "a Knative Service is served by Knative's own routes: Serin renders no Services for it, and ignores spec.service",
      severity: 'warning',
      reason: 'Ignored',
    });
  return [...found, ...unrenderableServiceFields(spec, 'knative')];
}

export const knativeProvider: RoutingProvider = {
  id: 'knative',
  names: ['knative'],
  features: { weights: true, headers: false, cookies: false, mirror: false, sessionAffinity: false },
  resources: [KNATIVE_SERVICE, KNATIVE_REVISION],
  userOwned: [
    { resource: KNATIVE_SERVICE, verbs: ['get', 'patch'] },
    { resource: KNATIVE_REVISION, verbs: ['get'] },
  ],
  issues,
  inputs: (canary) => [{ resource: KNATIVE_SERVICE, name: canary.spec.targetRef.name }],
  render: (canary, plan, live) => [renderKnativeTraffic(canary, plan, live)],
  watched: (canary) => [{ resource: KNATIVE_SERVICE, name: canary.spec.targetRef.name }],
  read,
  // Applying the Service with none of Serin's fields gives them back: server-side apply removes
  // what only Serin's field manager set, and Knative defaults an empty traffic block to the latest.
  finalize: (canary, live) => {
    const name = canary.spec.targetRef.name;
    if (!live(KNATIVE_SERVICE, name)) return { delete: [], apply: [] };
    return {
      delete: [],
      apply: [{ apiVersion: KNATIVE_API_VERSION, kind: 'Service', metadata: { name } }],
    };
  },
};
