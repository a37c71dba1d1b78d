/**
 * The dashboard's backend for a cluster: Canaries of both API groups, read through the API server,
 * kept current by a watch, and controlled through the same `serin.dev/command` annotation the CLI
 * writes. The controller does the work; this module only reads state and files requests.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { toYaml } from '../api/yaml.js';
import type { Canary, CheckRecord } from '../api/canary.js';
import {
  describeAction,
  judgeViewOf,
  runViewOf,
  summaryOf,
  webhookStatesOf,
  type ActionResult,
  type CanaryChange,
  type CanaryDetail,
  type CanarySummary,
  type DashboardAction,
  type DashboardBackend,
  type DashboardEvent,
  type HistoryPoint,
  type RoutingObject,
  type Strategy,
  type VersionSample,
} from '../dashboard/backend.js';
import { analysisOf, strategyOf } from '../engine/analysis-config.js';
import { refusalFor } from '../engine/control.js';
import { isNotFound, KubeClient, type KubeObject } from './client.js';
import { buildCommand, COMMAND_ANNOTATION, encodeCommand } from './commands.js';
import { gateStatesOf } from '../dashboard/gate-states.js';
import { kubernetesSides } from './dashboard-sides.js';
import { ConfigMapGateStore } from './gate-store.js';
import { readCompleteStatus } from './canary-state.js';
import { Informer } from './informer.js';
import { Resources, type ResourceType } from './resources.js';

export interface KubernetesDashboardBackendOptions {
  /** Watch one namespace only; all namespaces by default. */
  namespace?: string;
  /** Points kept per Canary from what the watch observed. */
  historyLimit?: number;
  /** Full relist period of the watch. */
  resyncMs?: number;
  onError?: (error: unknown) => void;
}

export interface KubernetesDashboardBackend extends DashboardBackend {
  /** Resolves once every served Canary group has been listed once. */
  ready(): Promise<void>;
  /** Stops the watches. */
  close(): Promise<void>;
}

interface CoreEvent extends KubeObject {
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  type?: string;
  reason?: string;
  message?: string;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
const asCanary = (object: KubeObject): Canary => object as unknown as Canary;

/** The engine decides the strategy; the dashboard adds whether blue/green mirrors traffic. */
function dashboardStrategy(canary: Canary): Strategy {
  const strategy = strategyOf(canary);
  if (strategy === 'blue-green' && analysisOf(canary)?.mirror === true) return 'blue-green-mirror';
  return strategy;
}

function summaryOfCanary(canary: Canary): CanarySummary {
  return { ...summaryOf(canary), strategy: dashboardStrategy(canary) };
}

/** Which measurement a metric check carries, judged from its conventional name. */
function sampleField(check: CheckRecord): keyof VersionSample | undefined {
  if (check.kind !== 'metric' || check.value === undefined) return undefined;
  const name = check.name.toLowerCase();
  if (name.includes('success')) return 'successRate';
  if (name.includes('duration') || name.includes('latency')) return 'latencyMs';
  if (name.includes('request') && name.includes('count')) return 'requests';
  return undefined;
}

/** Time series from what status records: metric values and decision weights, keyed by time. */
export function historyFromStatus(canary: Canary): HistoryPoint[] {
  const status = canary.status ?? {};
  const points = new Map<string, HistoryPoint>();
  // Weights recorded at a point's own time; the others carry forward the weight in effect then.
  const weights = new Map<string, number>();
  const pointAt = (time: string, weight: number | undefined): HistoryPoint => {
    let point = points.get(time);
    if (!point) {
      point = { time, canaryWeight: 0, phase: status.phase ?? 'Unknown', canary: {}, primary: {} };
      points.set(time, point);
    }
    if (weight !== undefined) weights.set(time, weight);
    return point;
  };
  for (const decision of status.decisions ?? []) {
    pointAt(decision.time, decision.canaryWeight).phase = decision.phase;
  }
  for (const check of status.checks ?? []) {
    const field = sampleField(check);
    if (field === undefined) continue;
    pointAt(check.time, check.weight).canary[field] = check.value;
  }
  const series = [...points.values()].sort((a, b) => a.time.localeCompare(b.time));
  let current = 0;
  const run = status.runStartedAt;
  for (const point of series) {
    current = weights.get(point.time) ?? current;
    point.canaryWeight = current;
    // Points before the current run started belong to earlier runs, drawn apart from it.
    if (run !== undefined) point.run = point.time >= run ? run : 'earlier';
  }
  return series;
}

/** Merges the status series with the live one; a live point at a time status also has loses. */
function mergeHistory(fromStatus: HistoryPoint[], live: readonly HistoryPoint[]): HistoryPoint[] {
  const byTime = new Map<string, HistoryPoint>();
  for (const point of live) byTime.set(point.time, point);
  for (const point of fromStatus) byTime.set(point.time, point);
  return [...byTime.values()].sort((a, b) => a.time.localeCompare(b.time));
}

function eventTime(event: CoreEvent): string {
  return (
    event.lastTimestamp ??
    event.eventTime ??
    event.firstTimestamp ??
    event.metadata.creationTimestamp ??
    new Date(0).toISOString()
  );
}

function dashboardEventOf(event: CoreEvent): DashboardEvent {
  return {
    time: eventTime(event),
    type: event.type === 'Warning' ? 'Warning' : 'Normal',
    reason: event.reason ?? '',
    message: event.message ?? '',
  };
}

/** The apex service's name: `spec.service.name`, else the target's name. */
function apexName(canary: Canary): string {
  const service = canary.spec.service as { name?: string } | undefined;
  return service?.name ?? canary.spec.targetRef.name;
}

/** Routing objects named after the apex service, as Serin's router names them. */
function routingCandidates(apex: string): { type: ResourceType; name: string }[] {
  return [
    { type: Resources.virtualService, name: apex },
    { type: Resources.destinationRule, name: `${apex}-primary` },
    { type: Resources.destinationRule, name: `${apex}-canary` },
    { type: Resources.httpRoute, name: apex },
  ];
}

/** Drops what only the API server cares about, so the YAML shows the routing itself. */
function routingYaml(object: KubeObject): string {
  const { managedFields: _managed, ...metadata } = object.metadata as KubeObject['metadata'] & {
    managedFields?: unknown;
  };
  return toYaml({ ...object, metadata });
}

class KubernetesBackend implements KubernetesDashboardBackend {
  readonly platform = 'kubernetes' as const;
  private readonly client: KubeClient;
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly listeners = new Set<(change: CanaryChange) => void>();
  private readonly live = new Map<string, HistoryPoint[]>();
  private readonly historyLimit: number;
  private starting: Promise<void> | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: KubernetesDashboardBackendOptions,
  ) {
    this.client = new KubeClient(kubeConfig);
    this.historyLimit = options.historyLimit ?? 2000;
  }

  ready(): Promise<void> {
    this.starting ??= this.start();
    return this.starting;
  }

  async close(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  async list(): Promise<CanarySummary[]> {
    await this.ready();
    return this.canaries()
      .map(summaryOfCanary)
      .sort((a, b) => keyOf(a.namespace, a.name).localeCompare(keyOf(b.namespace, b.name)));
  }

  async get(namespace: string, name: string): Promise<CanaryDetail | undefined> {
    const found = await this.find(namespace, name);
    if (!found) return undefined;
    const canary = asCanary(found.object);
    const status = canary.status ?? {};
    const [events, routing, gates, sides] = await Promise.all([
      this.eventsOf(found.object),
      this.routingOf(canary),
      gateStatesOf(new ConfigMapGateStore(this.client), canary),
      kubernetesSides(this.client, canary),
    ]);
    return {
      ...summaryOfCanary(canary),
      spec: canary.spec,
      status,
      ...runViewOf(status),
      sides,
      decisions: status.decisions ?? [],
      conditions: status.conditions ?? [],
      judge: judgeViewOf(status),
      webhooks: webhookStatesOf(canary, gates),
      events,
      routing,
    };
  }

  async history(namespace: string, name: string): Promise<HistoryPoint[]> {
    const found = await this.find(namespace, name);
    if (!found) return [];
    return mergeHistory(
      historyFromStatus(asCanary(found.object)),
      this.live.get(keyOf(namespace, name)) ?? [],
    );
  }

  subscribe(listener: (change: CanaryChange) => void): () => void {
    this.listeners.add(listener);
    void this.ready().catch((error: unknown) => this.options.onError?.(error));
    return () => this.listeners.delete(listener);
  }

  async act(
    namespace: string,
    name: string,
    action: DashboardAction,
    by: string,
    reason?: string,
  ): Promise<ActionResult> {
    const found = await this.find(namespace, name);
    if (!found) return { accepted: false, message: `canary ${namespace}/${name} not found` };
    if (action.type === 'gate') return this.setGate(asCanary(found.object), action.gate, action.open, by);
    const refused = refusalFor(asCanary(found.object), action);
    if (refused !== undefined) return { accepted: false, message: refused };
    const weight = action.type === 'set-weight' ? action.weight : undefined;
    const command = buildCommand(action.type, { weight, by, reason });
    // A merge patch of one annotation, as the CLI sends: GitOps tools that own the spec have nothing to revert.
    await this.client.patch(found.type, namespace, name, {
      metadata: { annotations: { [COMMAND_ANNOTATION]: encodeCommand(command) } },
    });
    return {
      accepted: true,
      message: `${describeAction(action)} requested (command ${command.id}); the controller applies it`,
      command: command.id,
    };
  }

  /**
   * Opens or closes the gate a webhook checks, in the ConfigMap the controller's gate API reads:
   * a `rollback` hook's gate is the rollback gate, every other hook's the promotion gate.
   */
  private async setGate(canary: Canary, hookName: string, open: boolean, by: string): Promise<ActionResult> {
    const { namespace = 'default', name } = canary.metadata;
    const hook = analysisOf(canary)?.webhooks?.find((w) => w.name === hookName);
    if (!hook) return { accepted: false, message: `no webhook named ${hookName} on ${namespace}/${name}` };
    const kind = hook.type === 'rollback' ? 'rollback' : 'gate';
    await new ConfigMapGateStore(this.client).set(kind, namespace, name, open, by);
    return { accepted: true, message: `${kind} ${open ? 'opened' : 'closed'} for ${namespace}/${name}` };
  }

  private async start(): Promise<void> {
    for (const type of [Resources.serinCanary, Resources.flaggerCanary]) {
      if (!(await this.groupServed(type))) continue;
      const informer = new Informer<KubeObject>(this.client, type, {
        namespace: this.options.namespace,
        resyncMs: this.options.resyncMs ?? 300_000,
        onError: this.options.onError,
      });
      informer.on((event, object) => {
        this.observe(event, object);
      });
      this.informers.push(informer);
      informer.start();
    }
    await Promise.all(this.informers.map((i) => i.waitForSync()));
  }

  private async groupServed(type: ResourceType): Promise<boolean> {
    try {
      await this.client.list(type, this.options.namespace);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Records a live history point for every status the watch delivers, then tells subscribers. */
  private observe(event: 'add' | 'update' | 'delete', object: KubeObject): void {
    const canary = asCanary(object);
    const namespace = object.metadata.namespace ?? 'default';
    const key = keyOf(namespace, object.metadata.name);
    if (event === 'delete') {
      this.live.delete(key);
    } else if (canary.status) {
      this.recordLive(key, canary);
    }
    for (const listener of [...this.listeners]) {
      try {
        listener({ namespace, name: object.metadata.name });
      } catch {
        // One broken subscriber must not stop the others from hearing about the change.
      }
    }
  }

  private recordLive(key: string, canary: Canary): void {
    const status = canary.status ?? {};
    const points = this.live.get(key) ?? [];
    const previous = points.at(-1);
    const canaryWeight = status.canaryWeight ?? 0;
    const phase = status.phase ?? 'Unknown';
    // Resyncs re-deliver unchanged objects; only a change of weight or phase is a new point.
    if (
      previous?.canaryWeight === canaryWeight &&
      previous.phase === phase &&
      previous.run === status.runStartedAt
    )
      return;
    const run = status.runStartedAt;
    points.push({
      time: new Date().toISOString(),
      ...(run !== undefined ? { run } : {}),
      canaryWeight,
      phase,
      canary: {},
      primary: {},
    });
    if (points.length > this.historyLimit) points.splice(0, points.length - this.historyLimit);
    this.live.set(key, points);
  }

  private canaries(): Canary[] {
    const seen = new Map<string, Canary>();
    for (const informer of this.informers) {
      for (const object of informer.list()) {
        const key = keyOf(object.metadata.namespace ?? 'default', object.metadata.name);
        if (!seen.has(key)) seen.set(key, asCanary(object));
      }
    }
    return [...seen.values()];
  }

  private async find(
    namespace: string,
    name: string,
  ): Promise<{ object: KubeObject; type: ResourceType } | undefined> {
    await this.ready();
    for (const informer of this.informers) {
      const object = informer.get(namespace, name);
      // A flagger.app Canary's checks and decisions live in its companion (canary-state.ts).
      if (object)
        return { object: await readCompleteStatus(this.client, informer.type, object), type: informer.type };
    }
    return undefined;
  }

  private async eventsOf(object: KubeObject): Promise<DashboardEvent[]> {
    const namespace = object.metadata.namespace ?? 'default';
    const list = await this.client.list<CoreEvent>(Resources.event, namespace, {
      fieldSelector: `involvedObject.name=${object.metadata.name}`,
    });
    return list.items
      .filter((e) => e.involvedObject?.kind === 'Canary' && e.involvedObject.name === object.metadata.name)
      .filter(
        (e) =>
          object.metadata.uid === undefined ||
          e.involvedObject?.uid === undefined ||
          e.involvedObject.uid === object.metadata.uid,
      )
      .map(dashboardEventOf)
      .sort((a, b) => a.time.localeCompare(b.time));
  }

  private async routingOf(canary: Canary): Promise<RoutingObject[]> {
    const namespace = canary.metadata.namespace ?? 'default';
    const found = await Promise.all(
      routingCandidates(apexName(canary)).map(async ({ type, name }) => {
        const object = await this.readOptional(type, namespace, name);
        return object ? { kind: type.kind, name, yaml: routingYaml(object) } : undefined;
      }),
    );
    return found.filter((o) => o !== undefined);
  }

  /** A routing object, or undefined when it or its whole API group is absent from the cluster. */
  private async readOptional(
    type: ResourceType,
    namespace: string,
    name: string,
  ): Promise<KubeObject | undefined> {
    try {
      return await this.client.get(type, namespace, name);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

/** The dashboard backend for the cluster the kubeconfig names. */
export function createKubernetesDashboardBackend(
  kubeConfig: KubeConfig,
  options: KubernetesDashboardBackendOptions = {},
): KubernetesDashboardBackend {
  return new KubernetesBackend(kubeConfig, options);
}
