/**
 * The controller: watches Canaries (serin.dev and flagger.app), runs one scheduler per Canary,
 * re-reads the Canary before every tick and hands it to the engine with the cluster's ports.
 * Deletion goes through a finalizer so the target is never left at zero replicas.
 */
import type { Logger } from 'pino';
import { CanaryDocument, type Canary } from '../api/canary.js';
import { advance, analysisIntervalMs, evidenceDueAt, strategyOf, terminate } from '../engine/index.js';
import type { ControlCommand } from '../engine/ports.js';
import { isConflict, isNotFound, type KubeClient, type KubeObject } from './client.js';
import { withCompleteStatus } from './canary-state.js';
import { reportPrunedSpec, withSpecExtensions } from './spec-extensions.js';
import { COMMAND_ANNOTATION, decodeCommand } from './commands.js';
import { adoptFlaggerStatus, holdsFinalizer, releaseFinalizers } from './adoption.js';
import { cleanupOwnedObjects } from './cleanup.js';
import { Informer } from './informer.js';
import { ControllerMetrics } from './metrics.js';
import { canaryNamespace } from './objects.js';
import { Resources, TARGET_TYPES, type ResourceType } from './resources.js';
import { Limiter, TickScheduler } from '../common/scheduler.js';
import { Backoff, type BackoffPolicy } from '../common/backoff.js';
import type { ClusterPorts, PortsFactory } from './ports.js';
import { observeSupport, recordSupport, supportOf } from './support.js';
import type { RoutingProviderId } from '../routing/providers/ids.js';

export const FINALIZER = 'serin.dev/finalizer';
/** Failed reconciles and deletions waiting on the target retry on this, never at a fixed rate. */
export const RETRY_POLICY: BackoffPolicy = { initialMs: 1_000, maxMs: 120_000 };
/** A Canary group whose CRD is not installed is looked for again on this: a CRD applied later is found. */
export const DISCOVERY_POLICY: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000 };

/** What the controller watches, for /readyz and `serin` status views. */
export interface WatchedGroups {
  /** Watched, caches filled. */
  synced: string[];
  /** Watched, first list still under way. */
  syncing: string[];
  /** CRD not installed (or removed): looked for again with backoff. */
  absent: string[];
}

export interface ControllerOptions {
  client: KubeClient;
  portsFor: PortsFactory;
  logger: Logger;
  metrics: ControllerMetrics;
  namespace?: string | undefined;
  /** How many Canaries may tick at the same time. */
  concurrency?: number;
  resyncMs?: number;
  /** The routing provider for Canaries without spec.provider (the controller's --provider). */
  defaultProvider?: RoutingProviderId;
  /** The controller runs with a namespaced Role: providers writing cluster-scoped kinds are refused. */
  namespacedRbac?: boolean;
  /** Called after every engine tick with its wall time and whether it changed the status. */
  onTick?: (ms: number, changed: boolean) => void;
}

interface Entry {
  type: ResourceType;
  namespace: string;
  name: string;
  scheduler: TickScheduler;
  lastCommand: string | undefined;
  generation: number | undefined;
  invalidVersion: string | undefined;
  previousPhase: string | undefined;
  /** Failures (or deletion waits) in a row: the next retry backs off. */
  retry: Backoff;
}

/** Validates a live object; errors name the field. */
export function parseCanary(live: KubeObject): { canary?: Canary; error?: string } {
  const extended = withSpecExtensions(live);
  if ('error' in extended) return { error: extended.error };
  const raw = extended.object;
  const result = CanaryDocument.safeParse(raw);
  if (result.success)
    return { canary: { ...result.data, metadata: { ...raw.metadata, ...result.data.metadata } } };
  const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return { error: issues.join('; ') };
}

export class CanaryController {
  private readonly entries = new Map<string, Entry>();
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly absent = new Set<string>();
  private discoveryTimer: NodeJS.Timeout | undefined;
  private readonly limiter: Limiter;
  private started = false;

  constructor(private readonly options: ControllerOptions) {
    this.limiter = new Limiter(options.concurrency ?? 16);
  }

  get log(): Logger {
    return this.options.logger;
  }

  /** Whether every watched group has listed once (for /readyz). */
  get synced(): boolean {
    return this.started && [...this.informers.values()].every((i) => i.hasSynced);
  }

  get watched(): WatchedGroups {
    const informers = [...this.informers.entries()];
    return {
      synced: informers.filter(([, i]) => i.hasSynced).map(([group]) => group),
      syncing: informers.filter(([, i]) => !i.hasSynced).map(([group]) => group),
      absent: [...this.absent],
    };
  }

  get canaryCount(): number {
    return this.entries.size;
  }

  /**
   * Starts watching every Canary group whose CRD is installed; resolves when their caches are
   * filled. A group whose CRD is missing is looked for again with backoff and watched as soon as it
   * appears; a group whose CRD goes away is unwatched and looked for again.
   */
  async start(): Promise<void> {
    this.started = true;
    const groups = [Resources.serinCanary, Resources.flaggerCanary];
    await Promise.all(groups.map((type) => this.discover(type)));
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    if (this.absent.size > 0) this.scheduleDiscovery(new Backoff(DISCOVERY_POLICY));
  }

  /** Watches `type` if its group is served; otherwise records it as absent. */
  private async discover(type: ResourceType): Promise<void> {
    if (!this.started || this.informers.has(type.group)) return;
    let served: boolean;
    try {
      served = await this.groupServed(type);
    } catch (error) {
      this.log.warn(
        { err: (error as Error).message, group: type.group },
        'could not look for the Canary CRD',
      );
      served = false;
    }
    if (!served) {
      if (!this.absent.has(type.group))
        this.log.info({ group: type.group }, 'Canary CRD not installed; looking for it again with backoff');
      this.absent.add(type.group);
      this.options.metrics.watchedGroup.set({ group: type.group }, 0);
      return;
    }
    this.absent.delete(type.group);
    this.watch(type);
    this.log.info({ group: type.group }, 'watching Canaries of this group');
  }

  private watch(type: ResourceType): void {
    const informer = new Informer<KubeObject>(this.options.client, type, {
      namespace: this.options.namespace,
      resyncMs: this.options.resyncMs ?? 300_000,
      onError: (error) => {
        if (isNotFound(error)) {
          void this.unwatch(type, 'the Canary CRD was removed; no longer watching this group');
          return;
        }
        this.log.warn({ err: error, group: type.group }, 'watch interrupted; reconnecting');
      },
    });
    informer.on((event, object) => {
      this.onEvent(type, event, object);
    });
    this.informers.set(type.group, informer);
    informer.start();
    void informer.waitForSync().then(() => {
      if (this.informers.get(type.group) === informer)
        this.options.metrics.watchedGroup.set({ group: type.group }, 1);
    });
  }

  /** Stops a group's informer and its Canaries' schedulers (their CRD is gone), then looks for it again. */
  private async unwatch(type: ResourceType, why: string): Promise<void> {
    const informer = this.informers.get(type.group);
    if (!informer) return;
    this.informers.delete(type.group);
    this.absent.add(type.group);
    this.options.metrics.watchedGroup.set({ group: type.group }, 0);
    this.log.warn({ group: type.group }, why);
    await informer.stop();
    const stopping: Promise<void>[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.type.group !== type.group) continue;
      this.entries.delete(key);
      stopping.push(entry.scheduler.stop());
    }
    this.updateTotals();
    await Promise.all(stopping);
    if (this.discoveryTimer === undefined) this.scheduleDiscovery(new Backoff(DISCOVERY_POLICY));
  }

  private scheduleDiscovery(backoff: Backoff): void {
    this.discoveryTimer = setTimeout(() => {
      void (async () => {
        for (const type of [Resources.serinCanary, Resources.flaggerCanary]) {
          if (this.absent.has(type.group)) await this.discover(type);
        }
        this.discoveryTimer = undefined;
        if (this.started && this.absent.size > 0) this.scheduleDiscovery(backoff);
      })();
    }, backoff.next());
    this.discoveryTimer.unref();
  }

  private async groupServed(type: ResourceType): Promise<boolean> {
    try {
      await this.options.client.list(type, this.options.namespace, { limit: 1 });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.discoveryTimer);
    this.discoveryTimer = undefined;
    const informers = [...this.informers.values()];
    this.informers.clear();
    this.absent.clear();
    await Promise.all(informers.map((i) => i.stop()));
    await Promise.all([...this.entries.values()].map((e) => e.scheduler.stop()));
    this.entries.clear();
  }

  private keyOf(type: ResourceType, ns: string, name: string): string {
    return `${type.group}/${ns}/${name}`;
  }

  private onEvent(type: ResourceType, event: 'add' | 'update' | 'delete', object: KubeObject): void {
    const ns = object.metadata.namespace ?? 'default';
    const key = this.keyOf(type, ns, object.metadata.name);
    this.log.debug({ event, canary: object.metadata.name, namespace: ns, group: type.group }, 'canary event');
    if (event === 'delete') {
      const entry = this.entries.get(key);
      this.entries.delete(key);
      void entry?.scheduler.stop();
      this.updateTotals();
      return;
    }
    const entry = this.entries.get(key);
    const command = object.metadata.annotations?.[COMMAND_ANNOTATION];
    if (!entry) {
      const created: Entry = {
        type,
        namespace: ns,
        name: object.metadata.name,
        scheduler: new TickScheduler(() => this.limiter.run(() => this.reconcile(created)), 60_000),
        lastCommand: command,
        generation: object.metadata.generation,
        invalidVersion: undefined,
        previousPhase: undefined,
        retry: new Backoff(RETRY_POLICY),
      };
      this.entries.set(key, created);
      this.updateTotals();
      created.scheduler.trigger();
      return;
    }
    // React at once to what a user just did; status-only updates wait for the next interval.
    const urgent =
      command !== entry.lastCommand ||
      object.metadata.generation !== entry.generation ||
      object.metadata.deletionTimestamp !== undefined;
    entry.lastCommand = command;
    entry.generation = object.metadata.generation;
    if (urgent) entry.scheduler.trigger();
  }

  private updateTotals(): void {
    const counts = new Map<string, number>();
    for (const e of this.entries.values()) counts.set(e.namespace, (counts.get(e.namespace) ?? 0) + 1);
    this.options.metrics.total.reset();
    for (const [namespace, n] of counts) this.options.metrics.total.set({ namespace }, n);
  }

  /**
   * One idempotent reconcile: re-read the Canary, then deletion, or a tick of the engine. Returns
   * when the engine's evidence window ends, so an early tick does not delay the next step.
   */
  async reconcile(entry: Entry, finalizerAdded = false): Promise<number | undefined> {
    const { client, metrics } = this.options;
    const log = this.log.child({ canary: entry.name, namespace: entry.namespace });
    try {
      const tick = this.options.portsFor(client.scoped());
      const live = await client.get(entry.type, entry.namespace, entry.name);
      if (!live) return undefined;
      const raw = await withCompleteStatus(client, entry.type, live);
      const { canary, error } = parseCanary(raw);
      if (!(await this.runnable(entry, raw, canary, error, tick, log)) || !canary) return undefined;
      entry.scheduler.setInterval(analysisIntervalMs(canary));
      await reportPrunedSpec(tick.ports.notifier, raw, canary);
      if (raw.metadata.deletionTimestamp !== undefined) {
        await this.finalize(entry, canary, log, tick);
        return undefined;
      }
      const finalizer = await this.ensureFinalizer(entry, canary);
      if (finalizer === 'conflict') return undefined; // the update event brings the new version
      // As quick as Flagger: the tick that adds the finalizer goes on to initialise, on the new version.
      if (finalizer === 'added' && !finalizerAdded) return await this.reconcile(entry, true);
      const commands = this.pendingCommands(canary, log);
      const previousPhase = canary.status?.phase;
      const end = metrics.duration.startTimer({
        name: canary.spec.targetRef.name,
        namespace: entry.namespace,
      });
      await adoptFlaggerStatus(canary, tick.workloads, tick.ports.status);
      const result = await advance(canary, tick.ports, commands);
      const seconds = end();
      this.options.onTick?.(seconds * 1000, result.changed);
      metrics.observe(canary, result.status, strategyOf(canary), previousPhase);
      if (result.status.phase !== previousPhase) {
        log.info({ phase: result.status.phase, weight: result.status.canaryWeight }, 'phase changed');
      }
      for (const d of result.decisions) log.info({ action: d.action, weight: d.canaryWeight }, d.reason);
      entry.retry.reset();
      return evidenceDueAt(canary, result.status);
    } catch (error) {
      metrics.tickErrors.inc({ namespace: entry.namespace });
      const delay = entry.retry.next();
      entry.scheduler.delayNext(delay);
      log.warn(
        { err: error instanceof Error ? error.message : String(error), failures: entry.retry.failures },
        `reconcile failed; retrying in ${(delay / 1000).toFixed(1)}s`,
      );
      return undefined;
    }
  }

  /**
   * Whether Serin runs this Canary: an invalid or unsupported one is reported (condition, Warning
   * Event, metrics) and gets no tick; one being deleted still goes through deletion.
   */
  private async runnable(
    entry: Entry,
    raw: KubeObject,
    canary: Canary | undefined,
    error: string | undefined,
    tick: ClusterPorts,
    log: Logger,
  ): Promise<boolean> {
    const { client, metrics } = this.options;
    const verdict = canary
      ? await supportOf(client, canary, this.options.defaultProvider ?? 'istio', this.options.namespacedRbac)
      : { supported: false, reason: 'Invalid', message: error ?? 'invalid' };
    const target = (raw.spec as { targetRef?: { name?: string } } | undefined)?.targetRef?.name;
    observeSupport(metrics, target ?? entry.name, entry.namespace, verdict);
    await recordSupport(client, entry.type, raw, verdict);
    if (canary && (verdict.supported || raw.metadata.deletionTimestamp !== undefined)) return true;
    if (entry.invalidVersion !== raw.metadata.resourceVersion) {
      log.error({ problems: verdict.message }, `Canary not run: ${verdict.reason ?? 'Invalid'}`);
      // `kubectl describe canary` shows why nothing happens, with the field paths.
      await tick.ports.notifier.event(raw as unknown as Canary, {
        type: 'Warning',
        reason: verdict.reason === 'NotSupported' ? 'UnsupportedCanary' : 'InvalidCanary',
        message: `not reconciled: ${verdict.message ?? 'invalid'}`,
      });
    }
    entry.invalidVersion = raw.metadata.resourceVersion;
    return false;
  }

  private pendingCommands(canary: Canary, log: Logger): ControlCommand[] {
    try {
      const command = decodeCommand(canary.metadata.annotations?.[COMMAND_ANNOTATION]);
      if (!command || command.id === canary.status?.lastCommandId) return [];
      log.info({ command: command.action.type, id: command.id, by: command.by }, 'control command received');
      return [command];
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'ignoring malformed command annotation');
      return [];
    }
  }

  /** Adds Serin's finalizer (needed to give the target its replicas back on deletion). */
  private async ensureFinalizer(entry: Entry, canary: Canary): Promise<'present' | 'added' | 'conflict'> {
    const finalizers = canary.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) return 'present';
    try {
      await this.options.client.patch(entry.type, entry.namespace, entry.name, {
        metadata: {
          finalizers: [...finalizers, FINALIZER],
          resourceVersion: canary.metadata.resourceVersion,
        },
      });
      return 'added';
    } catch (error) {
      if (isConflict(error)) return 'conflict';
      throw error;
    }
  }

  /**
   * Deletion: with revertOnDeletion the engine terminates (target back, routing restored);
   * without it Serin still scales the target back up before the primary goes away (Flagger
   * leaves it at zero). Then Serin's own objects are removed and the finalizer released. A target
   * that is gone or going (deleted with its Canary, or with the whole namespace) has nothing to
   * give back: Serin removes what exists and releases the finalizer at once, never waits on it.
   */
  private async finalize(entry: Entry, canary: Canary, log: Logger, tick: ClusterPorts): Promise<void> {
    if (!holdsFinalizer(canary, FINALIZER)) return;
    const gone = await this.targetGone(canary);
    if (gone !== undefined) {
      await this.release(entry, canary, log, tick, gone);
      return;
    }
    const ready =
      canary.spec.revertOnDeletion === true
        ? (await terminate(canary, tick.ports)).done
        : await this.revertTarget(canary, tick, log);
    if (!ready) {
      const delay = entry.retry.next();
      entry.scheduler.delayNext(delay);
      log.info(
        { retryInMs: Math.round(delay) },
        'waiting for the target to be ready before removing the canary',
      );
      return;
    }
    await this.release(entry, canary, log, tick, undefined);
  }

  private async revertTarget(canary: Canary, tick: ClusterPorts, log: Logger): Promise<boolean> {
    const readiness = await tick.workloads.revert(canary);
    if (!readiness.ready) log.info({ reason: readiness.message }, 'target not ready yet');
    return readiness.ready;
  }

  /** Why the target cannot be given back (it is missing or being deleted), or undefined if it can. */
  private async targetGone(canary: Canary): Promise<string | undefined> {
    const { kind, name } = canary.spec.targetRef;
    const type = TARGET_TYPES[kind];
    if (type === undefined) return undefined;
    const ns = canaryNamespace(canary);
    const target = await this.options.client.get(type, ns, name);
    if (!target) return `${kind} ${ns}/${name} (spec.targetRef) not found`;
    if (target.metadata.deletionTimestamp !== undefined)
      return `${kind} ${ns}/${name} (spec.targetRef) is being deleted`;
    return undefined;
  }

  /** Removes Serin's objects and releases the finalizers; `gone` says why the target was not reverted. */
  private async release(
    entry: Entry,
    canary: Canary,
    log: Logger,
    tick: ClusterPorts,
    gone: string | undefined,
  ): Promise<void> {
    const { client } = this.options;
    if (gone !== undefined && canary.spec.revertOnDeletion === true) {
      // The user's own VirtualService still gets its original routes back, when it is still there.
      await tick.ports.router.finalize(canary).catch((error: unknown) => {
        log.warn({ err: (error as Error).message }, 'could not restore the original routing');
      });
    }
    await cleanupOwnedObjects(client, canary);
    const live = await client.get(entry.type, canaryNamespace(canary), canary.metadata.name);
    if (!live) return;
    if (gone !== undefined) {
      // Best effort: a terminating namespace takes no new Events.
      await tick.ports.notifier.event(canary, {
        type: 'Normal',
        reason: 'TargetGone',
        message: `${gone}: nothing to give back; Serin's objects removed and the finalizer released`,
      });
    }
    // Flagger's finalizer goes too: Serin has done the revert Flagger would have done.
    const finalizers = releaseFinalizers(live.metadata.finalizers, FINALIZER);
    await client.patch(entry.type, canaryNamespace(canary), canary.metadata.name, {
      metadata: { finalizers, resourceVersion: live.metadata.resourceVersion },
    });
    entry.retry.reset();
    this.options.metrics.forget(canary);
    log.info(
      { revertOnDeletion: canary.spec.revertOnDeletion === true, targetGone: gone },
      'canary deleted; finalizer removed',
    );
  }
}
