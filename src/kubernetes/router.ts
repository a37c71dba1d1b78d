/**
 * RouterPort on Istio (DestinationRules + VirtualService) or Gateway API (HTTPRoute). Objects Serin
 * owns are written whole with server-side apply (field manager `serin`, forced) and only when the
 * live object differs, which also corrects drift. In merge mode (`service.routing: merge`) the
 * VirtualService belongs to the user: Serin changes only the destinations of the routes that send
 * traffic to the canary's Services, and leaves every other field as it is.
 */
import type { Canary } from '../api/canary.js';
import type { RouterPort, Routes } from '../engine/ports.js';
import { isConflict, type KubeClient, type KubeObject } from './client.js';
import {
  renderDestinationRules,
  renderHttpRoute,
  renderVirtualService,
  weightedRoute,
} from './istio-render.js';
import {
  apexName,
  canaryNamespace,
  canaryServiceName,
  isOwnedBy,
  isRecord,
  primaryServiceName,
  type Json,
} from './objects.js';
import { Resources } from './resources.js';

export type Provider = 'istio' | 'gateway-api';
export const ORIGINAL_CONFIGURATION_ANNOTATION = 'serin.dev/original-configuration';
const DEFAULT_ROUTES: Routes = { primaryWeight: 100, canaryWeight: 0, mirrored: false };

export function providerOf(canary: Canary, fallback: Provider): Provider {
  const p = canary.spec.provider;
  if (p === undefined || p === '') return fallback;
  if (p === 'istio') return 'istio';
  if (p.startsWith('gateway-api') || p.startsWith('gatewayapi')) return 'gateway-api';
  throw new Error(`spec.provider: expected istio or gateway-api, got "${p}"`);
}

const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

function hostOf(dest: Json): string | undefined {
  const d = dest.destination;
  return isRecord(d) && typeof d.host === 'string' ? d.host.split('.')[0] : undefined;
}

/** The weights of the first route that splits between primary and canary. */
export function readIstioRoutes(canary: Canary, vs: KubeObject | undefined): Routes {
  if (!vs || !isRecord(vs.spec)) return DEFAULT_ROUTES;
  const primary = primaryServiceName(canary);
  const canaryHost = canaryServiceName(canary);
  for (const http of records(vs.spec.http)) {
    const dests = records(http.route);
    const p = dests.find((d) => hostOf(d) === primary);
    const c = dests.find((d) => hostOf(d) === canaryHost);
    if (!p || !c) continue;
    const pw = typeof p.weight === 'number' ? p.weight : 0;
    const cw = typeof c.weight === 'number' ? c.weight : 0;
    return { primaryWeight: pw, canaryWeight: cw, mirrored: http.mirror !== undefined };
  }
  return DEFAULT_ROUTES;
}

function readHttpRouteWeights(canary: Canary, route: KubeObject | undefined): Routes {
  if (!route || !isRecord(route.spec)) return DEFAULT_ROUTES;
  for (const rule of records(route.spec.rules)) {
    const refs = records(rule.backendRefs);
    const p = refs.find((r) => r.name === primaryServiceName(canary));
    const c = refs.find((r) => r.name === canaryServiceName(canary));
    if (!p || !c) continue;
    return {
      primaryWeight: typeof p.weight === 'number' ? p.weight : 1,
      canaryWeight: typeof c.weight === 'number' ? c.weight : 1,
      mirrored: records(rule.filters).some((f) => f.type === 'RequestMirror'),
    };
  }
  return DEFAULT_ROUTES;
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

  async getRoutes(canary: Canary): Promise<Routes> {
    if (providerOf(canary, this.defaultProvider) === 'gateway-api') {
      return readHttpRouteWeights(
        canary,
        await this.client.get(Resources.httpRoute, canaryNamespace(canary), apexName(canary)),
      );
    }
    return readIstioRoutes(canary, await this.liveVirtualService(canary));
  }

  async setRoutes(canary: Canary, routes: Routes): Promise<void> {
    if (providerOf(canary, this.defaultProvider) === 'gateway-api') {
      await this.client.applyIfChanged(Resources.httpRoute, renderHttpRoute(canary, routes), {
        exactSpec: true,
      });
      return;
    }
    for (const dr of renderDestinationRules(canary)) {
      await this.client.applyIfChanged(Resources.destinationRule, dr, { exactSpec: true });
    }
    if (this.merge(canary)) await this.mergeRoutes(canary, routes);
    else await this.applyOwnedVirtualService(canary, routes);
  }

  private async applyOwnedVirtualService(canary: Canary, routes: Routes): Promise<void> {
    const desired = renderVirtualService(canary, routes);
    const live = await this.liveVirtualService(canary);
    if (live && !isOwnedBy(live, canary)) {
      // Taking over a VirtualService the user had: keep its spec so revertOnDeletion can restore it,
      // and no owner reference, so deleting the Canary never garbage-collects the user's object.
      const saved =
        live.metadata.annotations?.[ORIGINAL_CONFIGURATION_ANNOTATION] ?? JSON.stringify(live.spec ?? {});
      desired.metadata.annotations = {
        ...desired.metadata.annotations,
        [ORIGINAL_CONFIGURATION_ANNOTATION]: saved,
      };
      delete desired.metadata.ownerReferences;
    }
    await this.client.applyIfChanged(Resources.virtualService, desired, { exactSpec: true });
  }

  /** Merge mode: rewrite only the destinations of the routes that target the canary's hosts. */
  private async mergeRoutes(canary: Canary, routes: Routes): Promise<void> {
    const hosts = new Set([apexName(canary), primaryServiceName(canary), canaryServiceName(canary)]);
    for (let attempt = 0; ; attempt++) {
      const live = await this.liveVirtualService(canary);
      if (!live || !isRecord(live.spec)) {
        throw new Error(
          `service.routing is merge but VirtualService ${canaryNamespace(canary)}/${apexName(canary)} does not exist`,
        );
      }
      const next = structuredClone(live);
      const spec = next.spec as Json;
      let touched = 0;
      for (const http of records(spec.http)) {
        if (!records(http.route).some((d) => hosts.has(hostOf(d) ?? ''))) continue;
        http.route = weightedRoute(canary, routes);
        touched++;
      }
      if (touched === 0)
        throw new Error(
          `VirtualService ${apexName(canary)}: no http route sends traffic to ${apexName(canary)}`,
        );
      if (JSON.stringify(spec) === JSON.stringify(live.spec)) return;
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
    if (providerOf(canary, this.defaultProvider) === 'gateway-api') {
      await this.client.delete(Resources.httpRoute, ns, apexName(canary));
      return;
    }
    const live = await this.liveVirtualService(canary);
    if (live && this.merge(canary)) {
      await this.restoreMergedRoutes(canary, live);
    } else if (live) {
      const original = live.metadata.annotations?.[ORIGINAL_CONFIGURATION_ANNOTATION];
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
    for (const dr of renderDestinationRules(canary))
      await this.client.delete(Resources.destinationRule, ns, dr.metadata.name);
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
