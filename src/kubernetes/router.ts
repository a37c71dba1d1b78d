/**
 * RouterPort on Istio (DestinationRules + VirtualService) or Gateway API (HTTPRoute). Objects Serin
 * owns are written whole with server-side apply (field manager `serin`, forced) and only when the
 * live object differs, which also corrects drift. In merge mode (`service.routing: merge`) the
 * VirtualService belongs to the user: Serin changes only the destinations of the routes that send
 * traffic to the canary's Services, and leaves every other field as it is.
 */
import type { Canary } from '../api/canary.js';
import { flaggerOriginalSpec } from './adoption.js';
import type { RouterPort, Routes } from '../engine/ports.js';
import { mergeVirtualServiceSpec } from '../routing/merge.js';
import { serviceNames } from '../routing/names.js';
import { readRoutes } from '../routing/read-routes.js';
import { renderDestinationRules, renderVirtualService } from '../routing/render/istio.js';
import { applyIsNoop } from './apply-diff.js';
import { FIELD_MANAGER, isConflict, type KubeClient, type KubeObject } from './client.js';
import {
  apexName,
  canaryNamespace,
  canaryServiceName,
  isOwnedBy,
  isRecord,
  primaryServiceName,
  stableJson,
  type Json,
} from './objects.js';
import { Resources, resourceTypeOf, type ResourceType } from './resources.js';
import type { RoutingProviderId } from '../routing/providers/ids.js';
import { providerById } from '../routing/providers/registry.js';
import type { Lookup, ObjectRef, RoutingProvider } from '../routing/providers/types.js';
import { providerOf } from '../routing/render/index.js';
import type { KubeObject as RenderedObject } from '../routing/render/kubernetes.js';

export type Provider = RoutingProviderId;
export const ORIGINAL_CONFIGURATION_ANNOTATION = 'serin.dev/original-configuration';
const DEFAULT_ROUTES: Routes = { primaryWeight: 100, canaryWeight: 0, mirrored: false };

const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

function hostOf(dest: Json): string | undefined {
  const d = dest.destination;
  return isRecord(d) && typeof d.host === 'string' ? d.host.split('.')[0] : undefined;
}

/**
 * The split of a live VirtualService, read by src/routing's `readRoutes`. A VirtualService that
 * does not exist yet, or has no route of Serin's (one the user had before Serin took it over, or
 * a merge-mode object before the first merge), reads as all traffic on the primary: that is what
 * the cluster serves, and the next `setRoutes` writes Serin's routes.
 */
export function readIstioRoutes(canary: Canary, vs: KubeObject | undefined): Routes {
  if (!vs || !isRecord(vs.spec)) return DEFAULT_ROUTES;
  try {
    return readRoutes(vs.spec, serviceNames(canary), canaryNamespace(canary));
  } catch {
    return DEFAULT_ROUTES;
  }
}

/**
 * Whether a live HTTPRoute already is what Serin would write: every field Serin sets has its value
 * (lists keep their length, so an added or removed rule or backend is drift), and fields the
 * server defaulted are not drift. This is the comparison `applyIfChanged` makes without exactSpec.
 */
export function httpRouteUpToDate(live: KubeObject | undefined, desired: KubeObject): boolean {
  return applyIsNoop(live, desired, FIELD_MANAGER);
}

/** src/routing omits the namespace when the Canary has none (offline output); on a cluster it is the Canary's. */
function withNamespace(canary: Canary, object: KubeObject): KubeObject {
  return { ...object, metadata: { ...object.metadata, namespace: canaryNamespace(canary) } };
}

/** The REST coordinates of an object a provider rendered: one of the kinds it declares. */
function resourceOf(provider: RoutingProvider, object: RenderedObject): ResourceType {
  const type = resourceTypeOf(object, [...provider.resources, ...Object.values(Resources)]);
  if (type === undefined)
    throw new Error(
      `provider ${provider.id} rendered ${object.apiVersion} ${object.kind}, a kind it does not declare`,
    );
  return type;
}

export class KubernetesRouter implements RouterPort {
  constructor(
    private readonly client: KubeClient,
    private readonly defaultProvider: Provider = 'istio',
  ) {}

  private merge(canary: Canary): boolean {
    return canary.spec.service.routing === 'merge';
  }

  private liveVirtualService(canary: Canary): Promise<KubeObject | undefined> {
    return this.client.get(Resources.virtualService, canaryNamespace(canary), apexName(canary));
  }

  /**
   * Re-applies the objects with the weights the persisted status records, so a hand edit of the
   * weights (drift) is undone; without a recorded weight, the live weights are kept.
   */
  async reconcile(canary: Canary): Promise<void> {
    const w = canary.status?.canaryWeight;
    const recorded =
      canary.status?.phase !== undefined &&
      typeof w === 'number' &&
      Number.isInteger(w) &&
      w >= 0 &&
      w <= 100;
    const routes = recorded
      ? { primaryWeight: 100 - w, canaryWeight: w, mirrored: canary.status?.mirrored === true }
      : await this.getRoutes(canary);
    await this.setRoutes(canary, routes);
  }

  /** The provider's module, or undefined for Istio, whose objects this class handles itself. */
  private generic(canary: Canary): RoutingProvider | undefined {
    const id = providerOf(canary, this.defaultProvider);
    return id === 'istio' ? undefined : providerById(id);
  }

  /** Reads `refs` live, for a provider's `read`, `render` and `finalize`. */
  private async fetch(canary: Canary, refs: readonly ObjectRef[]): Promise<Lookup> {
    const ns = canaryNamespace(canary);
    // watched and inputs overlap (a Knative Service is both): one GET each.
    const key = (ref: ObjectRef) =>
      `${ref.resource.group}/${ref.resource.plural}/${ref.namespace ?? ns}/${ref.name}`;
    const unique = [...new Map(refs.map((ref) => [key(ref), ref])).values()];
    const found = await Promise.all(
      unique.map(async (ref) => ({
        ref,
        object: await this.client.get(ref.resource, ref.namespace ?? ns, ref.name),
      })),
    );
    return (resource, name, namespace) =>
      found.find(
        (f) =>
          f.ref.resource === resource && f.ref.name === name && (f.ref.namespace ?? ns) === (namespace ?? ns),
      )?.object as RenderedObject | undefined;
  }

  async getRoutes(canary: Canary): Promise<Routes> {
    const provider = this.generic(canary);
    if (provider) return provider.read(canary, await this.fetch(canary, provider.watched(canary)));
    return readIstioRoutes(canary, await this.liveVirtualService(canary));
  }

  async setRoutes(canary: Canary, routes: Routes): Promise<void> {
    const provider = this.generic(canary);
    if (provider) {
      // Its own live objects only where it keeps what the mesh's webhook set on them (App Mesh).
      const refs = provider.inputs(canary);
      const live = await this.fetch(
        canary,
        provider.rendersFromLive === true ? [...provider.watched(canary), ...refs] : refs,
      );
      // Not exactSpec: the API server defaults fields Serin leaves out (an HTTPRoute's `/` path
      // match, `group`, `kind`, `weight: 1`), so only what Serin sets is compared (apply-diff.ts).
      for (const object of provider.render(canary, routes, live))
        await this.client.applyIfChanged(
          resourceOf(provider, object),
          withNamespace(canary, object as unknown as KubeObject),
        );
      return;
    }
    for (const dr of renderDestinationRules(canary)) {
      await this.client.applyIfChanged(
        Resources.destinationRule,
        withNamespace(canary, dr as unknown as KubeObject),
        {
          exactSpec: true,
        },
      );
    }
    if (this.merge(canary)) await this.mergeRoutes(canary, routes);
    else await this.applyOwnedVirtualService(canary, routes);
  }

  private async applyOwnedVirtualService(canary: Canary, routes: Routes): Promise<void> {
    const desired = withNamespace(canary, renderVirtualService(canary, routes) as unknown as KubeObject);
    const live = await this.liveVirtualService(canary);
    if (live && !isOwnedBy(live, canary)) {
      // Taking over a VirtualService the user had: keep its spec so revertOnDeletion can restore it,
      // and no owner reference, so deleting the Canary never garbage-collects the user's object.
      // A VirtualService Flagger took over has Flagger's routing in its spec: the original is in
      // the annotations Flagger reads on revert.
      const annotations = live.metadata.annotations;
      const saved =
        annotations?.[ORIGINAL_CONFIGURATION_ANNOTATION] ??
        flaggerOriginalSpec(annotations) ??
        JSON.stringify(live.spec ?? {});
      desired.metadata.annotations = {
        ...desired.metadata.annotations,
        [ORIGINAL_CONFIGURATION_ANNOTATION]: saved,
      };
      delete desired.metadata.ownerReferences;
    }
    await this.client.applyIfChanged(Resources.virtualService, desired, { exactSpec: true });
  }

  /** Merge mode: src/routing's merge rewrites only Serin's route of the user's VirtualService. */
  private async mergeRoutes(canary: Canary, routes: Routes): Promise<void> {
    const ns = canaryNamespace(canary);
    for (let attempt = 0; ; attempt++) {
      const live = await this.liveVirtualService(canary);
      if (!live || !isRecord(live.spec)) {
        throw new Error(
          `service.routing is merge but VirtualService ${ns}/${apexName(canary)} does not exist`,
        );
      }
      const next = structuredClone(live);
      try {
        next.spec = mergeVirtualServiceSpec(live.spec, canary, routes, ns);
      } catch (error) {
        throw new Error(`VirtualService ${ns}/${apexName(canary)}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      // Key order is the server's (Go sorts map keys), not the merge's: compare as data.
      if (stableJson(next.spec) === stableJson(live.spec)) return;
      try {
        await this.client.replace(Resources.virtualService, next);
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= 4) throw error;
      }
    }
  }

  async finalize(canary: Canary): Promise<void> {
    const ns = canaryNamespace(canary);
    const provider = this.generic(canary);
    if (provider) {
      const live = await this.fetch(canary, [...provider.watched(canary), ...provider.inputs(canary)]);
      const { apply, delete: doomed } = provider.finalize(canary, live);
      for (const object of apply)
        await this.client.applyIfChanged(
          resourceOf(provider, object),
          withNamespace(canary, object as unknown as KubeObject),
        );
      for (const ref of doomed) await this.client.delete(ref.resource, ns, ref.name);
      return;
    }
    const live = await this.liveVirtualService(canary);
    if (live && this.merge(canary)) {
      await this.restoreMergedRoutes(canary, live);
    } else if (live) {
      const original =
        live.metadata.annotations?.[ORIGINAL_CONFIGURATION_ANNOTATION] ??
        (isOwnedBy(live, canary) ? undefined : flaggerOriginalSpec(live.metadata.annotations));
      if (original !== undefined) {
        const restored = structuredClone(live);
        restored.spec = JSON.parse(original) as Json;
        const { [ORIGINAL_CONFIGURATION_ANNOTATION]: _dropped, ...rest } =
          restored.metadata.annotations ?? {};
        restored.metadata.annotations = rest;
        restored.metadata.ownerReferences = (restored.metadata.ownerReferences ?? []).filter(
          (r) => r.uid !== canary.metadata.uid,
        );
        await this.client.replace(Resources.virtualService, restored);
      } else if (isOwnedBy(live, canary)) {
        await this.client.delete(Resources.virtualService, ns, apexName(canary));
      }
    }
    const names = serviceNames(canary);
    for (const name of [names.primary, names.canary])
      await this.client.delete(Resources.destinationRule, ns, name);
  }

  private async restoreMergedRoutes(canary: Canary, live: KubeObject): Promise<void> {
    const next = structuredClone(live);
    const hosts = new Set([primaryServiceName(canary), canaryServiceName(canary)]);
    for (const http of records((next.spec as Json).http)) {
      if (!records(http.route).some((d) => hosts.has(hostOf(d) ?? ''))) continue;
      http.route = [{ destination: { host: apexName(canary), port: { number: canary.spec.service.port } } }];
    }
    await this.client.replace(Resources.virtualService, next);
  }
}
