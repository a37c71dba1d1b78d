/**
 * An in-memory implementation of every engine port with a simulated clock: a whole rollout runs in
 * milliseconds, and a test scripts what the world does (readiness, metric values, gate answers).
 * Used by the engine's own scenario tests and by anyone who wants to rehearse the phase machine.
 */
import type { Canary, CanaryStatus, CanaryWebhook } from '../../api/canary.js';
import { advance, type TickResult } from '../tick.js';
import { analysisIntervalMs } from '../analysis-config.js';
import type {
  CheckOutcome,
  ControlCommand,
  MetricsContext,
  MetricsEvaluation,
  Ports,
  Readiness,
  Routes,
  Severity,
  WebhookResult,
} from '../ports.js';

const READY: Readiness = { ready: true, retriable: true, message: 'ready' };

export interface WorldScript {
  /** Readiness of the primary / canary; called on every check. */
  primaryReady?: (world: MemoryWorld) => Readiness;
  canaryReady?: (world: MemoryWorld) => Readiness;
  /** Metric outcomes at each evaluation; default: one passing check. */
  metrics?: (world: MemoryWorld, context: MetricsContext) => MetricsEvaluation;
  /** Webhook answers by hook name; default: every hook succeeds (rollback hooks: do not fire). */
  webhooks?: (hook: CanaryWebhook, phase: string, world: MemoryWorld) => WebhookResult;
}

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export class MemoryWorld {
  canary: Canary;
  now: Date;
  routes: Routes = { primaryWeight: 100, canaryWeight: 0, mirrored: false };
  targetSpecHash = 'rev-1';
  configs: Record<string, string> = {};
  canaryReplicas = 1;
  primarySpecHash: string | undefined;
  readonly events: RecordedEvent[] = [];
  readonly alerts: { severity: Severity; message: string }[] = [];
  readonly hookCalls: { name: string; type: string; phase: string }[] = [];
  readonly calls: string[] = [];
  statusWrites = 0;
  routeWrites = 0;
  evaluations = 0;
  private randomState = 42;

  constructor(
    canary: Canary,
    public script: WorldScript = {},
    start = new Date('2026-01-01T00:00:00Z'),
  ) {
    this.canary = structuredClone(canary);
    this.now = start;
  }

  get status(): CanaryStatus {
    return this.canary.status ?? {};
  }

  /** A new revision of the target, as a new image tag would make. */
  deploy(specHash: string): void {
    this.targetSpecHash = specHash;
  }

  readonly ports: Ports = {
    workloads: {
      initialize: (_c, options) => {
        this.calls.push(`initialize(${options.waitForPrimary})`);
        this.primarySpecHash ??= this.targetSpecHash;
        return Promise.resolve(options.waitForPrimary ? this.primaryReadiness() : READY);
      },
      targetRevision: () => Promise.resolve({ specHash: this.targetSpecHash, configs: { ...this.configs } }),
      isPrimaryReady: () => Promise.resolve(this.primaryReadiness()),
      isCanaryReady: () =>
        Promise.resolve(
          this.canaryReplicas > 0
            ? (this.script.canaryReady?.(this) ?? READY)
            : { ready: false, retriable: true, message: 'scaled to zero' },
        ),
      scaleCanaryUp: () => {
        this.calls.push('scaleCanaryUp');
        this.canaryReplicas = 1;
        return Promise.resolve();
      },
      scaleCanaryDown: () => {
        this.calls.push('scaleCanaryDown');
        this.canaryReplicas = 0;
        return Promise.resolve();
      },
      promote: () => {
        this.calls.push('promote');
        this.primarySpecHash = this.targetSpecHash;
        return Promise.resolve();
      },
      revert: () => {
        this.calls.push('revert');
        this.canaryReplicas = 1;
        return Promise.resolve(READY);
      },
    },
    router: {
      reconcile: () => Promise.resolve(),
      getRoutes: () => Promise.resolve({ ...this.routes }),
      setRoutes: (_c, routes) => {
        this.routeWrites++;
        this.routes = { ...routes };
        return Promise.resolve();
      },
      finalize: () => {
        this.calls.push('finalize');
        return Promise.resolve();
      },
    },
    metrics: {
      evaluate: (_c, context) => {
        this.evaluations++;
        const fallback: CheckOutcome = {
          name: 'request-success-rate',
          kind: 'metric',
          verdict: 'pass',
          value: 100,
          min: 99,
          message: 'success rate 100 >= 99',
        };
        return Promise.resolve(this.script.metrics?.(this, context) ?? { checks: [fallback] });
      },
    },
    webhooks: {
      call: (_c, hook, phase) => {
        const type = hook.type ?? 'rollout';
        this.hookCalls.push({ name: hook.name, type, phase });
        const fallback: WebhookResult =
          type === 'rollback'
            ? { ok: false, status: 404, message: 'not asked' }
            : { ok: true, status: 200, message: 'ok' };
        return Promise.resolve(this.script.webhooks?.(hook, phase, this) ?? fallback);
      },
    },
    notifier: {
      event: (_c, event) => {
        this.events.push(event);
        return Promise.resolve();
      },
      alert: (_c, alert) => {
        this.alerts.push({ severity: alert.severity, message: alert.message });
        return Promise.resolve();
      },
    },
    status: {
      write: (_c, status) => {
        this.statusWrites++;
        this.canary = { ...this.canary, status: structuredClone(status) };
        return Promise.resolve();
      },
    },
    clock: {
      now: () => this.now,
      random: () => {
        // mulberry32: deterministic cookie values
        let t = (this.randomState += 0x6d2b79f5);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      },
    },
  };

  private primaryReadiness(): Readiness {
    return this.script.primaryReady?.(this) ?? READY;
  }

  /** One analysis interval: the engine ticks, then the simulated clock moves on. */
  async tick(commands: readonly ControlCommand[] = []): Promise<TickResult> {
    const result = await this.tickNow(commands);
    this.wait(analysisIntervalMs(this.canary));
    return result;
  }

  /**
   * A tick at the current simulated instant, the clock untouched: what a platform does when a
   * command, a spec edit or a gate change wakes it up before the interval is over.
   */
  tickNow(commands: readonly ControlCommand[] = []): Promise<TickResult> {
    return advance(this.canary, this.ports, commands);
  }

  /** Moves the simulated clock on without ticking. */
  wait(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export interface TraceRow {
  phase: string;
  primaryWeight: number;
  canaryWeight: number;
  mirrored: boolean;
  iterations: number;
  failedChecks: number;
}

/** Ticks until the predicate holds (or the limit), recording phase and live routes after each tick. */
export async function runUntil(
  world: MemoryWorld,
  done: (world: MemoryWorld) => boolean,
  limit = 100,
): Promise<TraceRow[]> {
  const trace: TraceRow[] = [];
  for (let i = 0; i < limit && !done(world); i++) {
    await world.tick();
    trace.push({
      phase: world.status.phase ?? '',
      primaryWeight: world.routes.primaryWeight,
      canaryWeight: world.routes.canaryWeight,
      mirrored: world.routes.mirrored,
      iterations: world.status.iterations ?? 0,
      failedChecks: world.status.failedChecks ?? 0,
    });
  }
  return trace;
}

export const isSettled = (world: MemoryWorld): boolean =>
  world.status.phase === 'Succeeded' || world.status.phase === 'Failed';
