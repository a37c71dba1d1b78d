/**
 * One routing provider: the objects a mesh or ingress controller reads, rendered from a Canary and
 * a traffic split, and the split read back from them. Every provider is one module behind this
 * interface (registry.ts lists them); the Kubernetes router, `serin generate`, the capability
 * checks and the contract suite reach providers only through it.
 *
 * Services (`<svc>`, `<svc>-primary`, `<svc>-canary`) and the primary workload are the same for
 * every provider and rendered elsewhere (src/routing/render/kubernetes.ts); a provider renders
 * only what carries the split.
 */
import type { Canary } from '../../api/canary.js';
import type { CapabilityIssue } from '../../api/capability-issue.js';
import type { Routes } from '../../engine/ports.js';
import type { ResourceType } from '../../kubernetes/resources.js';
import type { KubeObject } from '../render/kubernetes.js';
import type { TrafficPlan } from '../render/plan.js';

export type { ResourceType, KubeObject, TrafficPlan, Routes, CapabilityIssue };

/** An object a provider reads or writes, in the Canary's namespace unless `namespace` says otherwise. */
export interface ObjectRef {
  resource: ResourceType;
  name: string;
  /** Another namespace, for a user object a Canary may name across namespaces (Gloo's upstreamRef). */
  namespace?: string;
}

/** The live object for a reference (undefined when it does not exist, or offline). */
export type Lookup = (resource: ResourceType, name: string, namespace?: string) => KubeObject | undefined;

/** What the provider's controller can express; capability checks refuse the rest, naming the field. */
export interface ProviderFeatures {
  /** Weighted split between primary and canary. */
  weights: boolean;
  /** A/B routing on request headers (`analysis.match[].headers`). */
  headers: boolean;
  /** A/B routing on a cookie (a `cookie` header match). */
  cookies: boolean;
  /** Copying traffic to the canary (`analysis.mirror`). */
  mirror: boolean;
  /** Sticky sessions (`analysis.sessionAffinity`). */
  sessionAffinity: boolean;
}

export interface RoutingProvider {
  /** Serin's name, used by `--provider` flags, metrics labels and docs. */
  readonly id: string;
  /** The `spec.provider` values that mean this provider (Flagger's spellings, Serin's own). */
  readonly names: readonly string[];
  readonly features: ProviderFeatures;
  /**
   * Every kind the provider writes or reads besides Services and workloads: the router derives
   * an object's REST coordinates from here, RBAC must grant them, and a cluster must serve them.
   */
  readonly resources: readonly ResourceType[];
  /**
   * Of `resources`, the user's own objects, which Serin never creates or deletes, so RBAC grants
   * no more than `verbs` (a Knative Service is patched, its Revisions only read). Others get
   * get, create, patch and delete.
   */
  readonly userOwned?: readonly { resource: ResourceType; verbs: readonly ('get' | 'patch')[] }[];
  /** Provider-specific findings (required references, fields it cannot render), naming the field. */
  issues(spec: Readonly<Record<string, unknown>>): CapabilityIssue[];
  /** The user's objects render reads (an Ingress named by `spec.ingressRef`, …). */
  inputs(canary: Canary): ObjectRef[];
  /**
   * Whether render also reads its own objects as they are live (`watched`): App Mesh's webhook sets
   * fields on them that an update must keep. Others are rendered from the inputs alone, and the
   * router does not read their objects before applying them.
   */
  readonly rendersFromLive?: true;
  /**
   * The objects that carry `plan`, in the order to apply them. Applied with server-side apply
   * under Serin's field manager, only when they differ: an object that is the user's (a Knative
   * Service) is rendered as the fields Serin manages only. `live` holds the inputs and, with
   * `rendersFromLive` on a cluster, the provider's own objects (`watched`) as they are now.
   */
  render(canary: Canary, plan: TrafficPlan, live: Lookup): KubeObject[];
  /** The objects `read` needs: the rendered ones and the inputs. */
  watched(canary: Canary): ObjectRef[];
  /** The split the live objects carry; everything on the primary when they do not exist yet. */
  read(canary: Canary, live: Lookup): Routes;
  /** On Canary deletion: what to delete (Serin's objects) and what to apply (the user's, restored). */
  finalize(canary: Canary, live: Lookup): { delete: ObjectRef[]; apply: KubeObject[] };
}

/** All traffic on the primary: what a cluster serves before Serin's objects exist. */
export const ALL_ON_PRIMARY: Routes = { primaryWeight: 100, canaryWeight: 0, mirrored: false };
