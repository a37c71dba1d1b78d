import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, unwatchFile, watchFile } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createMetricsPort } from '../analysis/metrics-port.js';
import { LocalMetricsWindow, p99, successRate } from '../analysis/local-window.js';
import { FileGateStore } from '../analysis/gates/store.js';
import { createWebhookPort } from '../analysis/webhooks/webhook-port.js';
import { createNotifier } from '../notify/notifier.js';
import type { Canary, CanaryStatus } from '../api/canary.js';
import { workloadVersion } from '../api/workload.js';
import {
  createMemoryBackend,
  type MemoryBackend,
  type MetricsSample,
  type VersionSample,
} from '../dashboard/index.js';
import type { ControlAction, Ports } from '../engine/ports.js';
import { refusalFor } from '../engine/control.js';
import { processFailPoints } from '../engine/testing/fail-points.js';
import { CanaryLoop } from './canary-loop.js';
import { gateStatesOf } from '../dashboard/gate-states.js';
import { localSides } from './dashboard-sides.js';
import { DataplaneRouter } from './dataplane/client.js';
import { createLocalNotifier, EventLog, type LocalEvent } from './events.js';
import { readManifest, sourcesHash, targetOf, type Manifest, type ManifestSource } from './manifest.js';
import { LocalMesh } from './mesh.js';
import { workloadCounters } from './metrics-source.js';
import { createRouter, type Router } from './router/index.js';
import { writeFileAtomic } from './state/atomic-file.js';
import { StateStore } from './state/store.js';
import { AdoptionPool } from './workloads/adoption.js';
import { canaryKey, LocalWorkloads } from './workloads/local-workloads.js';
import { ProcessRegistry } from './workloads/process-registry.js';
import { workloadRevision } from './workloads/revision.js';

export interface RuntimeOptions {
  /** Manifest files; watched for changes unless `watch` is false. */
  files: readonly string[];
  /** Manifests given as text (the demo); never watched. */
  sources?: readonly ManifestSource[];
  stateDir: string;
  routerPort: number;
  host?: string;
  /** Use this Prometheus for built-in metrics instead of the router's own counters. */
  prometheus?: string | undefined;
  watch?: boolean;
  /** How long old replicas keep serving after a switch (default 1 s). */
  drainMs?: number;
  /**
   * Where the router runs: `embedded` in this process (it stops with it), or `detached` as a
   * process of its own that the next instance adopts, so a restart keeps serving (ADR 0009).
   * Default `embedded`.
   */
  dataplane?: 'embedded' | 'detached';
}

/** One version's live numbers over the last few seconds, for the terminal and the API. */
export interface VersionView {
  workload: string;
  version: string;
  revision: string | undefined;
  readyReplicas: number;
  replicas: number;
  requestsPerSecond: number | undefined;
  successRate: number | undefined;
  p99Ms: number | undefined;
}

export interface CanaryView {
  namespace: string;
  name: string;
  phase: string;
  canaryWeight: number;
  primaryWeight: number;
  mirrored: boolean;
  paused: boolean;
  failedChecks: number;
  iterations: number;
  primary: VersionView;
  canary: VersionView;
  lastDecision: { time: string; action: string; reason: string } | undefined;
  status: CanaryStatus;
}

/** What the runtime tells its views (terminal, JSON lines, API). */
export type RuntimeEvent =
  | { type: 'event'; event: LocalEvent }
  | { type: 'status'; canary: CanaryView }
  | { type: 'manifest'; ok: boolean; message: string };

const SAMPLE_WINDOW_MS = 10_000;
/** How long replicas a previous instance left running stay on offer before they are stopped. */
const ADOPTION_GRACE_MS = 15_000;
/** Configuration is held back after adopting a data plane until adopted replicas answered, at most this long. */
const ADOPTION_HOLD_MAX_MS = 10_000;
/** ... and at least this long while some inherited replicas are still unclaimed. */
const ADOPTION_HOLD_MIN_MS = 2_000;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Local mode in one process: the manifests, the process supervisor, the router, the metrics, the
 * engine loop of every Canary, and the state directory that lets all of it resume after a crash.
 */
export class LocalRuntime {
  readonly store: StateStore;
  readonly events: EventLog;
  readonly backend: MemoryBackend;
  readonly workloads: LocalWorkloads;
  readonly router: Router;
  readonly mesh: LocalMesh;
  readonly window: LocalMetricsWindow;
  /** Gates for `confirm-*` and `rollback` webhooks pointing at the local API's `/gate/check`. */
  readonly gates: FileGateStore;
  private manifest: Manifest = { canaries: [], workloads: new Map(), templates: [], alertProviders: [] };
  private readonly loops = new Map<string, CanaryLoop>();
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly ports: Ports;
  private readonly registry: ProcessRegistry;
  /** The detached data plane, when the router runs in a process of its own. */
  private readonly dataplane: DataplaneRouter | undefined;
  private adoption: AdoptionPool | undefined;
  private fileHash = '';
  private watching = false;
  private routerUrl = '';

  constructor(private readonly options: RuntimeOptions) {
    this.store = new StateStore(options.stateDir);
    this.events = new EventLog(join(options.stateDir, 'events.jsonl'));
    this.gates = new FileGateStore(options.stateDir);
    this.registry = new ProcessRegistry(join(options.stateDir, 'processes.json'));
    this.dataplane =
      options.dataplane === 'detached'
        ? new DataplaneRouter({
            stateDir: options.stateDir,
            onEvent: (reason, message, warning) => {
              this.note(reason, message, undefined, warning === true ? 'Warning' : 'Normal');
            },
          })
        : undefined;
    this.router =
      this.dataplane ??
      createRouter({ services: [] }, { identity: { namespace: 'default', workload: 'serin-router' } });
    this.window = new LocalMetricsWindow(workloadCounters(this.router), { sampleEveryMs: 1000 });
    this.backend = createMemoryBackend({
      platform: 'local',
      gates: (canary) => gateStatesOf(this.gates, canary),
      onAction: (ref, command) => {
        if ('gate' in command) return this.setGate(ref, command.gate, command.open, command.by);
        const loop = this.loops.get(`${ref.namespace}/${ref.name}`);
        if (!loop) return { accepted: false, message: `canary ${ref.namespace}/${ref.name} not found` };
        // Refused now, by the rule the engine applies at the tick: the caller hears why at once.
        const refused = refusalFor(loop.current, command.action);
        if (refused !== undefined) return { accepted: false, message: refused };
        loop.command(command);
        return { accepted: true, message: 'queued for the next tick, which starts now' };
      },
    });
    this.workloads = new LocalWorkloads({
      target: (canary) => targetOf(this.manifest, canary),
      loadPrimary: (canary) => this.store.get(canary)?.primary,
      savePrimary: (canary, primary) => this.store.update(canary, { primary }),
      onEndpointsChange: () => {
        this.refreshRouting();
      },
      logDir: join(options.stateDir, 'logs'),
      registry: this.registry,
      adopt: (group, revision, index) => this.adoption?.claim(group, revision, index),
      ...(options.drainMs !== undefined ? { drainMs: options.drainMs } : {}),
    });
    this.backend.setSidesProvider((ref) => {
      const loop = this.loops.get(`${ref.namespace}/${ref.name}`);
      return loop ? localSides(this.workloads.groups(loop.current)) : undefined;
    });
    this.mesh = new LocalMesh({
      router: this.router,
      endpoints: (canary) => this.workloads.endpoints(canary),
      savedRoutes: (canary) => this.store.get(canary)?.routes,
      saveRoutes: (canary, routes) => this.store.update(canary, { routes }),
    });
    // Alerts go to the Canary's AlertProviders from the manifest (Slack, Teams, a webhook, ...).
    const alerts = createNotifier({
      providers: (namespace, name) =>
        Promise.resolve(
          this.manifest.alertProviders.find(
            (p) => p.metadata.name === name && (p.metadata.namespace ?? 'default') === namespace,
          ),
        ),
      onError: (message) => {
        this.note('AlertFailed', message, undefined, 'Warning');
      },
    });
    const failPoints = processFailPoints((message) => {
      process.emitWarning(message);
    });
    this.ports = failPoints({
      workloads: this.workloads,
      router: this.mesh,
      metrics: createMetricsPort({
        templates: (namespace, name) =>
          Promise.resolve(
            this.manifest.templates.find(
              (t) => t.metadata.name === name && (t.metadata.namespace ?? 'default') === namespace,
            ),
          ),
        metricsServer: options.prometheus,
        localSource: options.prometheus === undefined ? this.window : undefined,
        // Every workload is behind Serin's router, which emits Istio's metrics whatever the provider.
        routerMetrics: true,
      }),
      webhooks: createWebhookPort(),
      notifier: createLocalNotifier(this.events, (canary, alert) => alerts.alert(canary, alert)),
      status: this.store.statusPort((canary, status) => {
        this.onStatus(canary, status);
      }),
      clock: { now: () => new Date(), random: Math.random },
    });
    this.events.subscribe((event) => {
      this.backend.event({ namespace: event.namespace, name: event.name }, event);
      this.emit({ type: 'event', event });
    });
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the manifests, restores state, starts the router and every Canary's loop. */
  async start(): Promise<{ routerUrl: string }> {
    // Replicas a previous instance left running are offered for adoption; anything else it left is stopped.
    this.adoption = new AdoptionPool(this.registry, this.registry.inherit());
    const stale = this.adoption.stoppedAtOnce;
    if (stale > 0) this.note('Restarted', `stopped ${stale} process(es) left running by a previous instance`);
    const manifest = readManifest(this.loadSources());
    const address = await this.router.listen(this.options.routerPort, this.options.host ?? '127.0.0.1');
    this.routerUrl = `http://${address.address}:${address.port}`;
    // The adopted data plane goes on serving its last configuration until the adopted replicas
    // have answered their first probe: a configuration pushed before would have no endpoints.
    if (this.dataplane?.adopted === true) this.dataplane.hold();
    this.window.start();
    this.setManifest(manifest);
    void this.settleAdoption(this.dataplane?.adopted === true ? this.dataplane : undefined);
    this.adoption.expireAfter(ADOPTION_GRACE_MS, (stopped) => {
      if (stopped > 0)
        this.note(
          'Restarted',
          `stopped ${stopped} process(es) a previous instance left that no longer match the manifest`,
        );
    });
    if (this.options.watch !== false) this.watchFiles();
    return { routerUrl: this.routerUrl };
  }

  /** Waits for the adopted replicas' first answers, then lets a held data plane take configurations again. */
  private async settleAdoption(held: DataplaneRouter | undefined): Promise<void> {
    const started = Date.now();
    for (;;) {
      const elapsed = Date.now() - started;
      const claimed = (this.adoption?.remaining ?? 0) === 0 || elapsed >= ADOPTION_HOLD_MIN_MS;
      if ((claimed && this.workloads.adoptionSettled()) || elapsed >= ADOPTION_HOLD_MAX_MS) break;
      await new Promise((done) => setTimeout(done, 25));
    }
    held?.release();
    const adopted = this.adoption?.adopted ?? 0;
    if (adopted > 0) this.note('Adopted', `adopted ${adopted} replica(s) a previous instance left running`);
  }

  async stop(): Promise<void> {
    if (this.watching) for (const file of this.options.files) unwatchFile(file);
    await Promise.all([...this.loops.values()].map((loop) => loop.stop()));
    this.loops.clear();
    this.adoption?.expire();
    await this.workloads.stopAll();
    this.window.stop();
    await this.router.close();
    await this.store.flush();
  }

  /** `serin apply`: overlays documents on the manifest, persisted so a restart keeps them. */
  async apply(sources: readonly ManifestSource[]): Promise<{ changed: string[] }> {
    const files = this.fileSources();
    const applied = [...this.appliedSources(), ...sources];
    const manifest = readManifest([...files, ...applied]);
    await writeFileAtomic(
      this.appliedFile(),
      JSON.stringify({ basis: sourcesHash(files), sources: applied }, null, 2),
    );
    const changed = this.setManifest(manifest);
    this.emit({ type: 'manifest', ok: true, message: `applied ${sources.map((s) => s.name).join(', ')}` });
    return { changed };
  }

  /** An imperative action, as the API and the dashboard deliver it. */
  command(namespace: string, name: string, action: ControlAction, by: string): boolean {
    const loop = this.loops.get(`${namespace}/${name}`);
    if (!loop) return false;
    loop.command({ id: randomUUID(), action, by });
    return true;
  }

  /**
   * A gate action from the dashboard: the hook's type decides which gate (`rollback` hooks use the
   * rollback gate, every `confirm-*` hook the promotion gate), as the load tester's API does.
   */
  private async setGate(
    ref: { namespace: string; name: string },
    hookName: string,
    open: boolean,
    by: string,
  ): Promise<{ accepted: boolean; message: string }> {
    const loop = this.loops.get(`${ref.namespace}/${ref.name}`);
    const analysis = loop?.current.spec.analysis ?? loop?.current.spec.canaryAnalysis;
    const hook = analysis?.webhooks?.find((w) => w.name === hookName);
    if (!loop || !hook)
      return { accepted: false, message: `no webhook named ${hookName} on ${ref.namespace}/${ref.name}` };
    const kind = hook.type === 'rollback' ? 'rollback' : 'gate';
    await this.gates.set(kind, ref.namespace, ref.name, open, by);
    this.backend.setGate(ref, hookName, open);
    loop.kick();
    return { accepted: true, message: `${kind} ${open ? 'opened' : 'closed'}` };
  }

  get urls(): { router: string } {
    return { router: this.routerUrl };
  }

  canaries(): Canary[] {
    return [...this.loops.values()].map((l) => l.current);
  }

  view(canary: Canary): CanaryView {
    const status = canary.status ?? {};
    const routes = this.mesh.routes(canary);
    const decision = status.decisions?.at(-1);
    return {
      namespace: canary.metadata.namespace ?? 'default',
      name: canary.metadata.name,
      phase: status.phase ?? 'Initializing',
      canaryWeight: routes.canaryWeight,
      primaryWeight: routes.primaryWeight,
      mirrored: routes.mirrored,
      paused: status.paused ?? false,
      failedChecks: status.failedChecks ?? 0,
      iterations: status.iterations ?? 0,
      primary: this.versionView(canary, 'primary'),
      canary: this.versionView(canary, 'canary'),
      lastDecision: decision
        ? { time: decision.time, action: decision.action, reason: decision.reason }
        : undefined,
      status,
    };
  }

  logs(canary: Canary, limit?: number) {
    return this.workloads.logs(canary, limit);
  }

  private versionView(canary: Canary, role: 'primary' | 'canary'): VersionView {
    const groups = this.workloads.state(canary);
    const group = role === 'primary' ? groups.primary : groups.canary;
    const target = canary.spec.targetRef.name;
    const workload = role === 'primary' ? `${target}-primary` : target;
    const sample = this.sample(canary, workload);
    const record = this.store.get(canary)?.primary;
    const targetWorkload = targetOf(this.manifest, canary)?.workload;
    const version =
      role === 'primary'
        ? record
          ? workloadVersion(record.workload)
          : 'unknown'
        : targetWorkload
          ? workloadVersion(targetWorkload)
          : 'unknown';
    return {
      workload,
      version,
      revision: group?.revision ?? (role === 'primary' ? record?.revision : undefined),
      readyReplicas: group?.readyReplicas ?? 0,
      replicas: group?.replicas.length ?? 0,
      ...sample,
    };
  }

  private sample(
    canary: Canary,
    workload: string,
  ): { requestsPerSecond: number | undefined; successRate: number | undefined; p99Ms: number | undefined } {
    const totals = this.window.window(
      { namespace: canary.metadata.namespace ?? 'default', workloadPattern: escapeRegex(workload) },
      SAMPLE_WINDOW_MS,
    );
    if (!totals || totals.requests === 0 || totals.spanMs <= 0) {
      return { requestsPerSecond: totals ? 0 : undefined, successRate: undefined, p99Ms: undefined };
    }
    const latency = p99(totals);
    return {
      requestsPerSecond: (totals.requests * 1000) / totals.spanMs,
      successRate: successRate(totals),
      p99Ms: Number.isFinite(latency) ? latency : undefined,
    };
  }

  private metricsSample(canary: Canary): MetricsSample {
    const toSample = (v: VersionView): VersionSample => ({
      ...(v.successRate !== undefined ? { successRate: v.successRate } : {}),
      ...(v.p99Ms !== undefined ? { latencyMs: v.p99Ms } : {}),
      ...(v.requestsPerSecond !== undefined ? { requests: Math.round(v.requestsPerSecond * 10) } : {}),
    });
    const view = this.view(canary);
    return { primary: toSample(view.primary), canary: toSample(view.canary) };
  }

  private onStatus(canary: Canary, status: CanaryStatus): void {
    const key = canaryKey(canary);
    const loop = this.loops.get(key);
    const current = { ...(loop?.current ?? canary), status };
    loop?.setStatus(status);
    this.backend.record(current, status, this.metricsSample(current));
    this.backend.setRouting(
      { namespace: current.metadata.namespace ?? 'default', name: current.metadata.name },
      this.mesh.routingObjects(current),
    );
    this.emit({ type: 'status', canary: this.view(current) });
  }

  private setManifest(manifest: Manifest): string[] {
    const previous = this.manifest;
    this.manifest = manifest;
    const changed: string[] = [];
    const wanted = new Map(manifest.canaries.map((c) => [canaryKey(c), c]));
    for (const [key, loop] of this.loops) {
      if (wanted.has(key)) continue;
      void loop.stop();
      this.loops.delete(key);
      void this.workloads.remove(loop.current);
      this.mesh.forget(loop.current);
      this.backend.remove({
        namespace: loop.current.metadata.namespace ?? 'default',
        name: loop.current.metadata.name,
      });
      changed.push(`${key} removed`);
    }
    this.mesh.setDefault(manifest.canaries[0]);
    for (const [key, spec] of wanted) {
      const canary = this.withState(spec);
      const existing = this.loops.get(key);
      if (existing) {
        const before = targetOf(previous, existing.current);
        const after = targetOf(manifest, spec);
        const revised =
          before && after && workloadRevision(before.workload) !== workloadRevision(after.workload);
        if (revised) changed.push(`${key}: new revision ${workloadRevision(after.workload)}`);
        this.mesh.track(canary);
        existing.update({ ...canary, status: existing.current.status });
        continue;
      }
      this.mesh.track(canary);
      this.backend.upsert(canary);
      const loop = new CanaryLoop(canary, {
        ports: this.ports,
        onTick: (c, result) => {
          if (!result.changed) this.emit({ type: 'status', canary: this.view(c) });
        },
        onError: (c, error) => {
          this.note('TickFailed', error instanceof Error ? error.message : String(error), c, 'Warning');
        },
      });
      this.loops.set(key, loop);
      changed.push(`${key} added`);
      loop.start();
    }
    this.refreshRouting();
    return changed;
  }

  /** The Canary as the manifest defines it, with the status and creation time from the state dir. */
  private withState(spec: Canary): Canary {
    const record = this.store.get(spec);
    const metadata = {
      ...spec.metadata,
      namespace: spec.metadata.namespace ?? 'default',
      creationTimestamp:
        spec.metadata.creationTimestamp ?? record?.status?.lastTransitionTime ?? new Date().toISOString(),
    };
    return { ...spec, metadata, ...(record?.status ? { status: record.status } : {}) };
  }

  private refreshRouting(): void {
    try {
      this.mesh.refresh();
    } catch (error) {
      this.note(
        'RoutingInvalid',
        error instanceof Error ? error.message : String(error),
        undefined,
        'Warning',
      );
    }
  }

  private note(
    reason: string,
    message: string,
    canary?: Canary,
    type: 'Normal' | 'Warning' = 'Normal',
  ): void {
    this.events.add({
      namespace: canary?.metadata.namespace ?? 'default',
      name: canary?.metadata.name ?? '-',
      type,
      reason,
      message,
    });
  }

  private emit(event: RuntimeEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private appliedFile(): string {
    return join(this.options.stateDir, 'applied.json');
  }

  private fileSources(): ManifestSource[] {
    const files = this.options.files.map((file) => ({
      name: file,
      text: readFileSync(file, 'utf8'),
      baseDir: dirname(resolve(file)),
    }));
    return [...files, ...(this.options.sources ?? [])];
  }

  /** Documents applied earlier; dropped once the files changed after them (the files win). */
  private appliedSources(): ManifestSource[] {
    const file = this.appliedFile();
    if (!existsSync(file)) return [];
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { basis: string; sources: ManifestSource[] };
      if (saved.basis === sourcesHash(this.fileSources())) return saved.sources;
    } catch {
      // unreadable: treated as absent
    }
    rmSync(file, { force: true });
    return [];
  }

  private loadSources(): ManifestSource[] {
    const files = this.fileSources();
    this.fileHash = sourcesHash(files);
    return [...files, ...this.appliedSources()];
  }

  private watchFiles(): void {
    this.watching = true;
    for (const file of this.options.files) {
      watchFile(file, { interval: 300 }, () => {
        this.reloadFiles();
      });
    }
  }

  private reloadFiles(): void {
    let files: ManifestSource[];
    try {
      files = this.fileSources();
    } catch (error) {
      this.emit({ type: 'manifest', ok: false, message: (error as Error).message });
      return;
    }
    const hash = sourcesHash(files);
    if (hash === this.fileHash) return;
    this.fileHash = hash;
    try {
      const manifest = readManifest(files);
      // The file changed after any `serin apply`: the file is the truth again.
      rmSync(this.appliedFile(), { force: true });
      const changed = this.setManifest(manifest);
      this.emit({
        type: 'manifest',
        ok: true,
        message: `manifest reloaded${changed.length ? `: ${changed.join('; ')}` : ''}`,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.note('ManifestInvalid', `kept the previous manifest: ${message}`, undefined, 'Warning');
      this.emit({ type: 'manifest', ok: false, message });
    }
  }
}
