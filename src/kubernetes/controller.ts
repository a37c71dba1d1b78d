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
import { Resources, type ResourceType } from './resources.js';
import { Limiter, TickScheduler } from '../common/scheduler.js';
import type { ClusterPorts, PortsFactory } from './ports.js';
import { observeSupport, recordSupport, supportOf } from './support.js';

export const FINALIZER = 'serin.dev/finalizer';
const DELETION_RETRY_MS = 1_000;

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
  defaultProvider?: 'istio' | 'gateway-api';
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
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly limiter: Limiter;
  private started = false;

  constructor(private readonly options: ControllerOptions) {
    this.limiter = new Limiter(options.concurrency ?? 16);
  }

  get log(): Logger {
    return this.options.logger;
  }

  /** Whether every informer has listed once (for /readyz). */
  get synced(): boolean {
    return this.started && this.informers.every((i) => i.hasSynced);
  }

  get canaryCount(): number {
    return this.entries.size;
  }

  /** Starts watching; resolves when the caches are filled. Flagger's group is watched if its CRD exists. */
  async start(): Promise<void> {
    this.started = true;
    for (const type of [Resources.serinCanary, Resources.flaggerCanary]) {
      if (!(await this.groupServed(type))) {
        this.log.info({ group: type.group }, 'Canary CRD not installed; not watching this group');
        continue;
      }
      const informer = new Informer<KubeObject>(this.options.client, type, {
        namespace: this.options.namespace,
        resyncMs: this.options.resyncMs ?? 300_000,
        onError: (error) => {
          this.log.warn({ err: error, group: type.group }, 'watch interrupted; reconnecting');
        },
      });
      informer.on((event, object) => {
        this.onEvent(type, event, object);
      });
      this.informers.push(informer);
      informer.start();
    }
    await Promise.all(this.informers.map((i) => i.waitForSync()));
  }

  private async groupServed(type: ResourceType): Promise<boolean> {
    try {
      await this.options.client.list(type, this.options.namespace);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
    this.informers.length = 0;
    await Promise.all([...this.entries.values()].map((e) => e.scheduler.stop()));
    this.entries.clear();
    this.started = false;
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
  async reconcile(entry: Entry): Promise<number | undefined> {
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
      if (!(await this.ensureFinalizer(entry, canary))) return undefined;
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
      return evidenceDueAt(canary, result.status);
    } catch (error) {
      metrics.tickErrors.inc({ namespace: entry.namespace });
      log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'reconcile failed; retrying next interval',
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
      ? await supportOf(client, canary, this.options.defaultProvider ?? 'istio')
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
  private async ensureFinalizer(entry: Entry, canary: Canary): Promise<boolean> {
    const finalizers = canary.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) return true;
    try {
      await this.options.client.patch(entry.type, entry.namespace, entry.name, {
        metadata: {
          finalizers: [...finalizers, FINALIZER],
          resourceVersion: canary.metadata.resourceVersion,
        },
      });
      return false; // the update event brings the new version and triggers the next tick
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /**
   * Deletion: with revertOnDeletion the engine terminates (target back, routing restored);
   * without it Serin still scales the target back up before the primary goes away (Flagger
   * leaves it at zero). Then Serin's own objects are removed and the finalizer released.
   */
  private async finalize(entry: Entry, canary: Canary, log: Logger, tick: ClusterPorts): Promise<void> {
    if (!holdsFinalizer(canary, FINALIZER)) return;
    entry.scheduler.setInterval(DELETION_RETRY_MS);
    if (canary.spec.revertOnDeletion === true) {
      const { done } = await terminate(canary, tick.ports);
      if (!done) {
        log.info('waiting for the target to be ready before removing the canary');
        return;
      }
    } else {
      const readiness = await tick.workloads.revert(canary);
      if (!readiness.ready) {
        log.info(
          { reason: readiness.message },
          'waiting for the target to be ready before removing the canary',
        );
        return;
      }
    }
    await cleanupOwnedObjects(this.options.client, canary);
    const live = await this.options.client.get(entry.type, canaryNamespace(canary), canary.metadata.name);
    if (!live) return;
    // Flagger's finalizer goes too: Serin has done the revert Flagger would have done.
    const finalizers = releaseFinalizers(live.metadata.finalizers, FINALIZER);
    await this.options.client.patch(entry.type, canaryNamespace(canary), canary.metadata.name, {
      metadata: { finalizers, resourceVersion: live.metadata.resourceVersion },
    });
    this.options.metrics.forget(canary);
    log.info(
      { revertOnDeletion: canary.spec.revertOnDeletion === true },
      'canary deleted; finalizer removed',
    );
  }
}
