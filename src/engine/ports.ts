/**
 * The engine's only view of the world. Each platform (Kubernetes, local) implements these small
 * interfaces; the engine decides, the ports act. Every method must be idempotent: a tick that dies
 * half-way is simply run again.
 */
import type {
  Canary,
  CanaryStatus,
  CanaryWebhook,
  CheckRecord,
  WebhookType,
  WorkloadHealth,
} from '../api/canary.js';

export type { Canary, CanaryStatus, CanaryWebhook, CheckRecord, WebhookType, WorkloadHealth };

/** Whether a workload can serve. `retriable: false` means stuck for good (progress deadline): roll back. */
export interface Readiness {
  ready: boolean;
  retriable: boolean;
  message: string;
  /** What the platform saw of the workload's replicas (without `run`, which the engine sets). */
  workload?: Omit<WorkloadHealth, 'run'>;
}

/** What identifies a revision of the target: its pod template and the configs it uses. */
export interface Revision {
  /** Hash of the target's pod template (or local workload spec). */
  specHash: string;
  /** `configmap/<name>` or `secret/<name>` → checksum of its data. */
  configs: Record<string, string>;
}

export interface WorkloadPort {
  /**
   * Creates or corrects what the canary needs next to the target: the primary copy (started from
   * the target on first use), its autoscaler, the Services. With `waitForPrimary`, reports the
   * primary's readiness; otherwise readiness is `ready: true`.
   */
  initialize(canary: Canary, options: { waitForPrimary: boolean }): Promise<Readiness>;
  /** The target's current revision. */
  targetRevision(canary: Canary): Promise<Revision>;
  isPrimaryReady(canary: Canary): Promise<Readiness>;
  isCanaryReady(canary: Canary): Promise<Readiness>;
  /** Starts the canary (target) pods/processes for a run. */
  scaleCanaryUp(canary: Canary): Promise<void>;
  /** Stops the canary between runs. */
  scaleCanaryDown(canary: Canary): Promise<void>;
  /** Copies the canary's spec (and configs) onto the primary: the primary starts rolling out. */
  promote(canary: Canary): Promise<void>;
  /** On deletion with revertOnDeletion: gives the target back its replicas and removes the primary. */
  revert(canary: Canary): Promise<Readiness>;
}

/** The traffic split as the router reports it; weights are integers in [0, 100] summing to 100. */
export interface Routes {
  primaryWeight: number;
  canaryWeight: number;
  mirrored: boolean;
}

export interface RouterPort {
  /** Creates or corrects the routing objects without changing the current weights. */
  reconcile(canary: Canary): Promise<void>;
  /** Reads the split back from the live routing objects (the truth after a restart). */
  getRoutes(canary: Canary): Promise<Routes>;
  /**
   * Applies a split. `canary.status` carries the session-affinity cookies the routes need; the
   * engine writes them there before calling.
   */
  setRoutes(canary: Canary, routes: Routes): Promise<void>;
  /** On deletion with revertOnDeletion: restores the user's original routing. */
  finalize(canary: Canary): Promise<void>;
}

/**
 * `continue`: the judge is still collecting evidence (not a pass, not a failure).
 * `environmental`: a threshold check failed, but the primary failed it to the same degree in the
 * same window, so the failure says nothing about the canary (see docs/analysis.md).
 */
export type Verdict = 'pass' | 'fail' | 'unknown' | 'continue' | 'environmental';

/** One evaluated check: a metric, the judge, or a webhook. */
export interface CheckOutcome {
  name: string;
  kind: 'metric' | 'judge' | 'webhook';
  verdict: Verdict;
  value?: number;
  /** The noise guard's reading of the primary on the same check and window, when it ran. */
  primaryValue?: number;
  min?: number;
  max?: number;
  /** Human explanation: the value against its bounds, the provider's error, the judge's evidence. */
  message: string;
}

export interface JudgeVerdict {
  verdict: 'fail' | 'pass-early' | 'continue';
  reason: string;
  /** Serialisable evidence (statistics, effect and interval, counts) for status and the dashboard. */
  evidence: Record<string, unknown>;
  /** Serialisable state to hand back on the next evaluation. */
  state: unknown;
  /**
   * Set while the judge has no evidence to go on (no requests on an arm, minimum sample not
   * reached): its `continue` is then recorded as `unknown`, never as progress.
   */
  insufficient?: string;
}

export interface MetricsContext {
  canaryWeight: number;
  /** When the current run started (ISO time); windows for cumulative statistics start here. */
  runStartedAt: string | undefined;
  /** The judge's state from the previous evaluation, if any. */
  judgeState: unknown;
  now: Date;
}

export interface MetricsEvaluation {
  checks: CheckOutcome[];
  /** Present when `analysis.judge` is configured. */
  judge?: JudgeVerdict;
}

export interface MetricsPort {
  /** Evaluates every metric of `analysis.metrics` (built-in, inline query, template) and the judge. */
  evaluate(canary: Canary, context: MetricsContext): Promise<MetricsEvaluation>;
}

export interface WebhookResult {
  ok: boolean;
  /** HTTP status, when the hook answered. */
  status?: number;
  message: string;
}

/** What a hook call is part of: hooks that are effects of a decision carry its id, for receivers to dedupe. */
export interface WebhookDelivery {
  decisionId?: string;
}

export interface WebhookPort {
  /** Calls one hook with the Flagger payload (`name`, `namespace`, `phase`, `checksum`, `metadata`). */
  call(
    canary: Canary,
    hook: CanaryWebhook,
    phase: string,
    delivery?: WebhookDelivery,
  ): Promise<WebhookResult>;
}

export type Severity = 'info' | 'warn' | 'error';

export interface NotifierPort {
  /**
   * A Kubernetes-style event: every decision is one, with its reason. `id` is the decision's id:
   * the same id delivered twice (a retry after a crash) is one event.
   */
  event(
    canary: Canary,
    event: { type: 'Normal' | 'Warning'; reason: string; message: string; id?: string },
  ): Promise<void>;
  /** An alert to the canary's AlertProviders (filtered by their severity); `id` as for events. */
  alert(
    canary: Canary,
    alert: { severity: Severity; message: string; fields?: Record<string, string>; id?: string },
  ): Promise<void>;
}

export interface StatusPort {
  /**
   * Persists the status (Kubernetes: the status subresource; local: an atomic file write).
   * `canary.status` is the status this write replaces, as the engine last read or wrote it: a
   * platform where another writer may have advanced it meanwhile refuses the write.
   */
  write(canary: Canary, status: CanaryStatus): Promise<void>;
}

export interface ClockPort {
  now(): Date;
  /** A number in [0, 1), for session-affinity cookie values. */
  random(): number;
}

export interface Ports {
  workloads: WorkloadPort;
  router: RouterPort;
  metrics: MetricsPort;
  webhooks: WebhookPort;
  notifier: NotifierPort;
  status: StatusPort;
  clock: ClockPort;
}

/** Imperative control, delivered by any platform (annotation, local API, dashboard). */
export type ControlAction =
  | { type: 'promote' }
  | { type: 'abort' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'set-weight'; weight: number }
  | { type: 'retry' };

export interface ControlCommand {
  /** Unique per command; the engine records the last one applied so a command acts once. */
  id: string;
  action: ControlAction;
  /** Who asked (a user, a token name, a service account), recorded in the decision. */
  by?: string;
  reason?: string;
}
