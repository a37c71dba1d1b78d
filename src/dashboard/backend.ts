/**
 * The dashboard's view of a platform. One server serves every platform: Kubernetes implements this
 * contract over the API server, local mode over its own engine (usually through
 * {@link createMemoryBackend}). Everything here is plain JSON so it crosses HTTP unchanged.
 */
import type {
  Canary,
  CanaryStatus,
  CheckRecord,
  Decision,
  Phase,
  WebhookType,
  WorkloadHealth,
} from '../api/canary.js';
import { checksOfRun, healthOfRun } from '../api/current-run.js';
import type { Condition } from '../api/common.js';
import { rolloutPlan, type RolloutPlan } from '../engine/plan.js';
import type { ControlAction } from '../engine/ports.js';

export { GATE_TYPES, LATENCY_PERCENTILE } from './vocabulary.js';

export type Platform = 'local' | 'kubernetes';

export interface CanaryRef {
  namespace: string;
  name: string;
}

/** How the canary is released; derived from its analysis settings. */
export type Strategy = 'canary' | 'ab-testing' | 'blue-green' | 'blue-green-mirror';

/** One row of the overview. */
export interface CanarySummary extends CanaryRef {
  /** `Unknown` until the engine has written a status. */
  phase: Phase | 'Unknown';
  canaryWeight: number;
  primaryWeight: number;
  mirrored: boolean;
  paused: boolean;
  /** Identifies the canary's revision (the hash of the last applied spec), when known. */
  revision: string | undefined;
  strategy: Strategy;
  /** The Canary's creation time (ISO); the UI shows the age from it. */
  createdAt: string | undefined;
  lastDecision: Decision | undefined;
  /** The engine's step plan (src/engine/plan.ts): steps, the current one, the promotion estimate. */
  plan: RolloutPlan;
}

export type Side = 'primary' | 'canary';

/** What one side runs and what it last wrote. */
export interface SideView {
  /** The container images (Kubernetes), or the version label, command and revision (local mode). */
  version?: string;
  /** Its last log lines, newest last, secrets redacted: a failing replica's when one fails. */
  logTail: string[];
  /** Where the lines come from (`pod podinfo-7d9-0, container app, previous instance`). */
  logSource?: string;
}

export const NO_SIDES: Readonly<Record<Side, SideView>> = {
  primary: { logTail: [] },
  canary: { logTail: [] },
};

/** The last call of a webhook or gate. */
export interface HookResult {
  ok: boolean;
  /** HTTP status when the hook answered. */
  status?: number;
  message: string;
  time: string;
}

export interface WebhookState {
  name: string;
  type: WebhookType;
  url: string;
  /** For gates (confirm-* and rollback hooks): whether the gate is currently open, when known. */
  open?: boolean;
  lastResult?: HookResult;
}

/** A Kubernetes-style event, including every action taken from the dashboard with who did it. */
export interface DashboardEvent {
  time: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Who caused it, for actions: a token identity or a user name. */
  by?: string;
}

/** A routing object (VirtualService, DestinationRule, Service, HTTPRoute) as YAML text. */
export interface RoutingObject {
  kind: string;
  name: string;
  yaml: string;
}

/** The sequential judge's last evaluation, as the engine persisted it in `status.judge`. */
export interface JudgeView {
  verdict: string | undefined;
  reason: string | undefined;
  /** Why the judge has no evidence yet (an arm without requests, minimum sample not reached). */
  insufficient?: string;
  /** Statistics, effect estimate and interval, counts: shown as the judge wrote them. */
  evidence: Record<string, unknown>;
}

/** Everything the detail page shows about one Canary. */
export interface CanaryDetail extends CanarySummary {
  spec: Canary['spec'];
  status: CanaryStatus;
  checks: CheckRecord[];
  decisions: Decision[];
  conditions: Condition[];
  judge: JudgeView | undefined;
  /** Each side's health (replicas, restarts, why it cannot serve); the canary's from the current run only. */
  workloads: { primary?: WorkloadHealth; canary?: WorkloadHealth };
  /** Each side's version and log tail, read from the platform when the detail is asked for. */
  sides: Record<Side, SideView>;
  webhooks: WebhookState[];
  /** Newest last. */
  events: DashboardEvent[];
  routing: RoutingObject[];
}

/** What one version served in one sample window. Absent fields were not measured. */
export interface VersionSample {
  /** Percentage of non-5xx responses, 0–100. */
  successRate?: number;
  /** A latency percentile in milliseconds (the one the engine judges, usually p99). */
  latencyMs?: number;
  /** Requests seen in the window. */
  requests?: number;
}

export interface MetricsSample {
  canary: VersionSample;
  primary: VersionSample;
}

/** One point of the detail page's time series. */
export interface HistoryPoint extends MetricsSample {
  time: string;
  /** The run it belongs to (its `runStartedAt`); charts draw one line per run. */
  run?: string;
  canaryWeight: number;
  phase: Phase | 'Unknown';
}

export interface GateAction {
  type: 'gate';
  gate: string;
  open: boolean;
}

export type DashboardAction = ControlAction | GateAction;

export interface ActionResult {
  accepted: boolean;
  message: string;
  /** The id of the control command queued or written, when one was (not for gates). */
  command?: string;
}

export type CanaryChange = CanaryRef;

export interface DashboardBackend {
  platform: Platform;
  list(): Promise<CanarySummary[]>;
  get(namespace: string, name: string): Promise<CanaryDetail | undefined>;
  /** Oldest first. */
  history(namespace: string, name: string): Promise<HistoryPoint[]>;
  /** Calls `listener` whenever anything about a Canary changed; returns the unsubscribe function. */
  subscribe(listener: (change: CanaryChange) => void): () => void;
  /**
   * Applies or queues an action, or refuses it at once when the engine's rules say it cannot apply
   * now (`refusalFor` in src/engine/control.ts). `by` is who asked, already authenticated by the
   * server; `reason` is why, when they said. The backend records the action as an event carrying it.
   */
  act(
    namespace: string,
    name: string,
    action: DashboardAction,
    by: string,
    reason?: string,
  ): Promise<ActionResult>;
}

/** A short human description of an action, for events and messages. */
export function describeAction(action: DashboardAction): string {
  switch (action.type) {
    case 'gate':
      return `${action.open ? 'open' : 'close'} gate ${action.gate}`;
    case 'set-weight':
      return `set weight to ${action.weight}%`;
    default:
      return action.type;
  }
}

/** Derives the release strategy the way the analysis settings imply it. */
export function strategyOf(spec: Canary['spec']): Strategy {
  const analysis = spec.analysis ?? spec.canaryAnalysis;
  if (!analysis) return 'canary';
  const stepped = analysis.stepWeight !== undefined || (analysis.stepWeights?.length ?? 0) > 0;
  if (stepped) return 'canary';
  if ((analysis.match?.length ?? 0) > 0) return 'ab-testing';
  if (analysis.iterations !== undefined) return analysis.mirror ? 'blue-green-mirror' : 'blue-green';
  return 'canary';
}

/** Reads the judge's last evaluation out of the opaque `status.judge`, tolerating any shape. */
export function judgeViewOf(status: CanaryStatus): JudgeView | undefined {
  const judge = status.judge;
  if (!judge) return undefined;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const evidence = judge.evidence;
  const insufficient = text(judge.insufficient);
  return {
    verdict: text(judge.verdict),
    reason: text(judge.reason),
    ...(insufficient !== undefined ? { insufficient } : {}),
    evidence: isRecord(evidence) ? evidence : {},
  };
}

/** The run-scoped parts of the detail page: checks and workload health of the current run only. */
export function runViewOf(status: CanaryStatus): Pick<CanaryDetail, 'checks' | 'workloads'> {
  const primary = healthOfRun(status, 'primary');
  const canary = healthOfRun(status, 'canary');
  return {
    checks: checksOfRun(status),
    workloads: { ...(primary ? { primary } : {}), ...(canary ? { canary } : {}) },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The overview row of a Canary, from its spec and status alone. */
export function summaryOf(canary: Canary, now: Date = new Date()): CanarySummary {
  const status = canary.status ?? {};
  const canaryWeight = status.canaryWeight ?? 0;
  const decisions = status.decisions ?? [];
  return {
    namespace: canary.metadata.namespace ?? 'default',
    name: canary.metadata.name,
    phase: status.phase ?? 'Unknown',
    canaryWeight,
    primaryWeight: 100 - canaryWeight,
    mirrored: status.mirrored ?? false,
    paused: status.paused ?? false,
    revision: status.lastAppliedSpec,
    strategy: strategyOf(canary.spec),
    createdAt: canary.metadata.creationTimestamp,
    lastDecision: decisions.at(-1),
    plan: rolloutPlan(canary, canary.status, now),
  };
}

/** Webhooks from the spec, each with its last result taken from the checks in status. */
export function webhookStatesOf(canary: Canary, gates: ReadonlyMap<string, boolean>): WebhookState[] {
  const hooks = (canary.spec.analysis ?? canary.spec.canaryAnalysis)?.webhooks ?? [];
  const checks = checksOfRun(canary.status ?? {});
  return hooks.map((hook) => {
    const type = hook.type ?? 'rollout';
    const last = checks.findLast((c) => c.kind === 'webhook' && c.name === hook.name);
    const open = gates.get(hook.name);
    return {
      name: hook.name,
      type,
      url: hook.url,
      ...(open === undefined ? {} : { open }),
      ...(last
        ? {
            lastResult: {
              ok: last.verdict === 'pass',
              message: last.message ?? last.verdict,
              time: last.time,
            },
          }
        : {}),
    };
  });
}
