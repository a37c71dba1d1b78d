import { toYaml } from '../api/yaml.js';
import type { Canary } from '../api/canary.js';
import type { Routes, RouterPort } from '../engine/ports.js';
import { renderDestinationRules, renderVirtualService } from '../routing/render/istio.js';
import { serviceNames } from '../routing/names.js';
import type { DestinationRuleSpec, VirtualServiceSpec } from '../routing/istio/types.js';
import type { NamedResource, Router, RouterConfig, ServiceDefinition } from './router/index.js';
import type { LocalEndpoint } from './workloads/local-workloads.js';

export interface MeshOptions {
  router: Pick<Router, 'update'> & {
    /** Resolves once the configurations given so far are in force (a detached data plane). */
    settled?(): Promise<void>;
  };
  /** Ready endpoints of a canary's primary and canary copies. */
  endpoints(canary: Canary): { primary: LocalEndpoint[]; canary: LocalEndpoint[] };
  /** The split last applied before a restart (the router's memory across `kill -9`). */
  savedRoutes(canary: Canary): Routes | undefined;
  saveRoutes(canary: Canary, routes: Routes): Promise<void>;
}

interface Entry {
  canary: Canary;
  routes: Routes;
  /** Whether the Canary owns routing (after `reconcile`, until `finalize`). */
  managed: boolean;
}

interface MutableConfig {
  virtualServices: NamedResource<VirtualServiceSpec>[];
  destinationRules: NamedResource<DestinationRuleSpec>[];
  services: ServiceDefinition[];
}

const NO_CANARY: Routes = { primaryWeight: 100, canaryWeight: 0, mirrored: false };

const keyOf = (canary: Canary) => `${canary.metadata.namespace ?? 'default'}/${canary.metadata.name}`;

/**
 * The engine's RouterPort in local mode. It keeps, per Canary, the split the engine asked for,
 * renders the same VirtualService and DestinationRules Serin would write to a cluster, adds the
 * Services with the ready process endpoints, and swaps the router's whole configuration at once.
 *
 * Local twists: the router plays the mesh, so rendered gateways become `mesh`; and the Canary
 * marked as the default answers every Host header (its VirtualService also gets host `*`, placed
 * last so the others keep their own hosts).
 */
export class LocalMesh implements RouterPort {
  private readonly entries = new Map<string, Entry>();
  private defaultKey: string | undefined;

  constructor(private readonly options: MeshOptions) {}

  /** The Canary that receives requests whatever their Host header. */
  setDefault(canary: Canary | undefined): void {
    this.defaultKey = canary ? keyOf(canary) : undefined;
  }

  reconcile(canary: Canary): Promise<void> {
    const entry = this.entry(canary);
    entry.canary = canary;
    entry.managed = true;
    this.push();
    return this.settled();
  }

  getRoutes(canary: Canary): Promise<Routes> {
    return Promise.resolve({ ...this.entry(canary).routes });
  }

  async setRoutes(canary: Canary, routes: Routes): Promise<void> {
    const entry = this.entry(canary);
    const previous = { canary: entry.canary, routes: entry.routes };
    entry.canary = canary;
    entry.routes = { ...routes };
    try {
      this.push();
    } catch (error) {
      Object.assign(entry, previous);
      throw error;
    }
    await this.settled();
    await this.options.saveRoutes(canary, entry.routes);
  }

  async finalize(canary: Canary): Promise<void> {
    const entry = this.entry(canary);
    entry.managed = false;
    entry.routes = { ...NO_CANARY };
    this.push();
    await this.settled();
    await this.options.saveRoutes(canary, entry.routes);
  }

  /** Updates a Canary's spec (manifest edited) without touching its split. */
  track(canary: Canary): void {
    this.entry(canary).canary = canary;
  }

  forget(canary: Canary): void {
    this.entries.delete(keyOf(canary));
    this.push();
  }

  /** Re-renders everything: endpoints changed, a spec changed. */
  refresh(): void {
    this.push();
  }

  routes(canary: Canary): Routes {
    return { ...this.entry(canary).routes };
  }

  /** The routing objects as YAML, as they would be applied to a cluster, for the API and dashboard. */
  routingObjects(canary: Canary): { kind: string; name: string; yaml: string }[] {
    const entry = this.entry(canary);
    const vs = renderVirtualService(entry.canary, entry.routes);
    return [vs, ...renderDestinationRules(entry.canary)].map((o) => ({
      kind: o.kind,
      name: o.metadata.name,
      yaml: toYaml(o),
    }));
  }

  /** The full router configuration for every Canary. */
  config(): RouterConfig {
    const ordered = [...this.entries.entries()].sort(([a], [b]) => {
      if (a === this.defaultKey) return 1;
      if (b === this.defaultKey) return -1;
      return a.localeCompare(b);
    });
    const config: MutableConfig = { virtualServices: [], destinationRules: [], services: [] };
    for (const [key, entry] of ordered) this.addCanary(config, entry, key === this.defaultKey);
    return config;
  }

  private addCanary(config: MutableConfig, entry: Entry, isDefault: boolean): void {
    const { canary } = entry;
    const namespace = canary.metadata.namespace ?? 'default';
    const names = serviceNames(canary);
    const endpoints = this.options.endpoints(canary);
    const toEndpoints = (list: LocalEndpoint[]) =>
      list.map((e) => ({
        address: '127.0.0.1',
        port: e.port,
        workload: e.workload,
        version: e.version,
        labels: { app: e.workload, version: e.version },
      }));
    config.services.push(
      { name: names.apex, namespace, endpoints: toEndpoints(endpoints.primary) },
      { name: names.primary, namespace, endpoints: toEndpoints(endpoints.primary) },
      { name: names.canary, namespace, endpoints: toEndpoints(endpoints.canary) },
    );
    // `<svc>-primary` and `<svc>-canary` answer by Host header as the Services do on a cluster (a
    // load test hits the canary directly, as Flagger's load tester does). They come before any
    // VirtualService so the default Canary's `*` host cannot capture them.
    for (const host of [names.primary, names.canary]) {
      config.virtualServices.unshift({
        name: host,
        namespace,
        spec: { hosts: [host], gateways: ['mesh'], http: [{ route: [{ destination: { host } }] }] },
      });
    }
    const routes = entry.managed ? entry.routes : NO_CANARY;
    const vs = renderVirtualService(canary, routes);
    vs.spec.gateways = ['mesh'];
    if (isDefault && !(vs.spec.hosts ?? []).includes('*')) vs.spec.hosts = [...(vs.spec.hosts ?? []), '*'];
    config.virtualServices.push({
      name: vs.metadata.name,
      namespace,
      spec: vs.spec,
    });
    for (const dr of renderDestinationRules(canary)) {
      config.destinationRules.push({ name: dr.metadata.name, namespace, spec: dr.spec });
    }
  }

  private push(): void {
    this.options.router.update(this.config());
  }

  /** The engine goes on only once the router serves what it was told (a weight, a promotion). */
  private async settled(): Promise<void> {
    await this.options.router.settled?.();
  }

  private entry(canary: Canary): Entry {
    const key = keyOf(canary);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { canary, routes: { ...(this.options.savedRoutes(canary) ?? NO_CANARY) }, managed: true };
      this.entries.set(key, entry);
    }
    return entry;
  }
}
