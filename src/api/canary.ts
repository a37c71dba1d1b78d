import { z } from 'zod';
import { PHASES } from './phases.js';
import {
  Condition,
  CrossNamespaceObjectReference,
  LocalReference,
  ObjectMeta,
  duration,
  FLAGGER_INTERVAL_PATTERN,
  intOrString,
  opaqueObject,
  stringMap,
} from './common.js';
import { JudgeSpec } from '../analysis/judge/schema.js';
import {
  FLAGGER_PROVIDERS,
  FLAGGER_TARGET_KINDS,
  SERIN_GATEWAY_API,
  SERIN_WORKLOAD_KIND,
} from './capabilities.js';
import {
  ABMatchRequestSchema as ABMatchRequest,
  CanaryHTTPRewriteSchema as HTTPRewrite,
  CanaryTrafficPolicySchema as TrafficPolicy,
  CorsPolicySchema as CorsPolicy,
  HTTPMatchRequestSchema as HTTPMatchRequest,
  HTTPRetrySchema as HTTPRetry,
  HeadersSchema as Headers,
} from './istio.js';

const percent = (what: string) =>
  z
    .number({ error: `expected a number between 0 and 100 (${what})` })
    .min(0, { error: `expected a number between 0 and 100 (${what})` })
    .max(100, { error: `expected a number between 0 and 100 (${what})` });

const weightStep = () =>
  z
    .number({ error: 'expected a number between 1 and 100' })
    .int({ error: 'expected a whole number between 1 and 100' })
    .min(1, { error: 'expected a number between 1 and 100' })
    .max(100, { error: 'expected a number between 1 and 100' });

export const TargetRef = z.strictObject({
  apiVersion: z.string().min(1).default('apps/v1'),
  /** Flagger's enum; which of these Serin runs is src/api/capabilities.ts's to say. */
  kind: z
    .enum([...FLAGGER_TARGET_KINDS, SERIN_WORKLOAD_KIND], {
      error: `expected one of ${FLAGGER_TARGET_KINDS.join(', ')} (or ${SERIN_WORKLOAD_KIND} in serin.dev local mode)`,
    })
    .default('Deployment'),
  name: z.string().min(1, { error: 'expected the name of the workload to deliver' }),
});

export const AutoscalerRef = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.enum(['HorizontalPodAutoscaler', 'ScaledObject']),
  name: z.string().min(1),
  primaryScalerQueries: stringMap().optional(),
  primaryScalerReplicas: z
    .strictObject({
      minReplicas: z.number().int().min(1).optional(),
      maxReplicas: z.number().int().min(1).optional(),
    })
    .optional(),
});

const CustomMetadata = z.strictObject({
  labels: stringMap().optional(),
  annotations: stringMap().optional(),
});

export const CanaryService = z.strictObject({
  name: z.string().optional(),
  port: z
    .number({ error: 'expected a port number between 1 and 65535' })
    .int()
    .min(1, { error: 'expected a port number between 1 and 65535' })
    .max(65535, { error: 'expected a port number between 1 and 65535' }),
  portName: z.string().optional(),
  targetPort: intOrString().optional(),
  appProtocol: z.string().optional(),
  portDiscovery: z.boolean().optional(),
  headless: z.boolean().optional(),
  trafficDistribution: z.string().optional(),
  timeout: duration().optional(),
  backendTimeout: duration().optional(),
  hosts: z.array(z.string()).optional(),
  gateways: z.array(z.string()).optional(),
  gatewayRefs: z.array(opaqueObject()).optional(),
  delegation: z.boolean().optional(),
  trafficPolicy: TrafficPolicy.optional(),
  match: z.array(HTTPMatchRequest).optional(),
  rewrite: HTTPRewrite.optional(),
  retries: HTTPRetry.optional(),
  headers: Headers.optional(),
  corsPolicy: CorsPolicy.optional(),
  mirror: z.array(opaqueObject()).optional(),
  meshName: z.string().optional(),
  backends: z.array(z.string()).optional(),
  apex: CustomMetadata.optional(),
  primary: CustomMetadata.optional(),
  canary: CustomMetadata.optional(),
  unmanagedMetadata: z
    .strictObject({
      labels: z.array(z.string()).optional(),
      annotations: z.array(z.string()).optional(),
    })
    .optional(),
  /**
   * Serin: `owned` renders the whole VirtualService as Flagger does; `merge` changes only the
   * weights and canary rules of the route Serin manages inside a VirtualService the user owns.
   */
  routing: z.enum(['owned', 'merge']).optional(),
});
export type CanaryService = z.output<typeof CanaryService>;

export const ThresholdRange = z.strictObject({
  min: z.number().optional(),
  max: z.number().optional(),
});

export const CanaryMetric = z.strictObject({
  name: z.string().min(1),
  /**
   * The query window (`{{ interval }}`), rendered as written. Flagger's CRD pattern: a duration,
   * or a provider's own syntax such as Graphite's `1min` (capabilities.ts says which may).
   */
  interval: z
    .string()
    .regex(FLAGGER_INTERVAL_PATTERN, { error: 'expected a duration such as 30s or 1m' })
    .default('1m'),
  /** Deprecated in Flagger: a minimum for request-success-rate, a maximum for everything else. */
  threshold: z.number().optional(),
  thresholdRange: ThresholdRange.optional(),
  /** Deprecated in Flagger: inline PromQL run against `metricsServer`. */
  query: z.string().optional(),
  templateRef: LocalReference.optional(),
  templateVariables: stringMap().optional(),
});
export type CanaryMetric = z.output<typeof CanaryMetric>;
export type CanaryMetricInput = z.input<typeof CanaryMetric>;

export const WEBHOOK_TYPES = [
  'confirm-rollout',
  'pre-rollout',
  'rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'post-rollout',
  'rollback',
  'event',
] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

export const CanaryWebhook = z.strictObject({
  name: z.string().min(1),
  type: z.enum(WEBHOOK_TYPES).optional(),
  url: z.url({ error: 'expected an absolute http(s) URL' }),
  timeout: duration().default('10s'),
  retries: z.number().int().min(0).default(0),
  disableTLS: z.boolean().optional(),
  muteAlert: z.boolean().optional(),
  metadata: stringMap().optional(),
});
export type CanaryWebhook = z.output<typeof CanaryWebhook>;
export type CanaryWebhookInput = z.input<typeof CanaryWebhook>;

export const CanaryAlert = z.strictObject({
  name: z.string().min(1),
  severity: z.enum(['info', 'warn', 'error']).optional(),
  providerRef: LocalReference,
});
export type CanaryAlert = z.output<typeof CanaryAlert>;

export const SessionAffinity = z.strictObject({
  cookieName: z.string().min(1),
  primaryCookieName: z.string().optional(),
  maxAge: z.number().int().min(1).optional(),
  domain: z.string().optional(),
  httpOnly: z.boolean().optional(),
  partitioned: z.boolean().optional(),
  path: z.string().optional(),
  sameSite: z.enum(['Strict', 'Lax', 'None']).optional(),
  secure: z.boolean().optional(),
});
export type SessionAffinity = z.output<typeof SessionAffinity>;

/**
 * The noise guard's default by document kind: Serin documents get it, Flagger documents keep
 * Flagger's meaning (an absolute threshold blames the canary) unless they opt in.
 */
export const NOISE_GUARD_DEFAULT = { serin: true, flagger: false } as const;

export const CanaryAnalysis = z.strictObject({
  interval: duration().optional(),
  threshold: z
    .number()
    .int()
    .min(0, { error: 'expected a whole number of failed checks, 1 or more' })
    .optional(),
  /** Serin: failed-to-measure budget; defaults to `threshold`. Flagger documents count unknown as failed. */
  unknownThreshold: z.number().int().min(1).optional(),
  maxWeight: percent('maxWeight').optional(),
  stepWeight: weightStep().optional(),
  stepWeights: z.array(weightStep()).optional(),
  stepWeightPromotion: percent('stepWeightPromotion').optional(),
  iterations: z.number().int().min(0).optional(),
  mirror: z.boolean().optional(),
  mirrorWeight: percent('mirrorWeight').optional(),
  match: z.array(ABMatchRequest).optional(),
  sessionAffinity: SessionAffinity.optional(),
  primaryReadyThreshold: percent('primaryReadyThreshold').default(100),
  canaryReadyThreshold: percent('canaryReadyThreshold').default(100),
  metrics: z.array(CanaryMetric).optional(),
  webhooks: z.array(CanaryWebhook).optional(),
  alerts: z.array(CanaryAlert).optional(),
  /** Serin: the sequential judge comparing canary against primary (options in src/analysis/judge/schema.ts). */
  judge: JudgeSpec.optional(),
  /**
   * Serin: when a threshold check fails, measure the primary on the same check in the same window;
   * a failure the primary shares to the same degree is `environmental`, not the canary's.
   */
  noiseGuard: z.boolean({ error: 'expected true or false' }).optional().meta({
    default: NOISE_GUARD_DEFAULT.serin,
    description:
      'Judge a failed threshold check against the primary in the same window (default true for serin.dev, false for flagger.app).',
  }),
});
export type CanaryAnalysis = z.output<typeof CanaryAnalysis>;

interface FieldIssue {
  path: (string | number)[];
  message: string;
}

function stepIssues(a: CanaryAnalysis | undefined): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (a?.stepWeight !== undefined && a.maxWeight !== undefined && a.stepWeight > a.maxWeight) {
    issues.push({
      path: ['analysis', 'stepWeight'],
      message: `expected stepWeight (${a.stepWeight}) to be at most maxWeight (${a.maxWeight})`,
    });
  }
  const steps = a?.stepWeights ?? [];
  for (let i = 1; i < steps.length; i++) {
    const [prev, cur] = [steps[i - 1] ?? 0, steps[i] ?? 0];
    if (cur <= prev) {
      issues.push({
        path: ['analysis', 'stepWeights', i],
        message: `expected weights in increasing order, got ${cur} after ${prev}`,
      });
    }
  }
  return issues;
}

/**
 * Flagger's CRD: `analysis` is required and holds exactly one of `iterations`, `stepWeight` or
 * `stepWeights` (a `oneOf` of three `required` lists).
 */
function analysisShapeIssues(a: CanaryAnalysis | undefined, key: string): FieldIssue[] {
  if (a === undefined) {
    return [
      {
        path: ['analysis'],
        message:
          'required: expected an analysis with interval, threshold and one of stepWeight, stepWeights or iterations',
      },
    ];
  }
  const issues: FieldIssue[] = [];
  // Flagger's CRD also requires interval and threshold; Serin applies the defaults Flagger's own
  // code has for them (60s, 1), as documented in docs/api.md.
  const drivers = (['iterations', 'stepWeight', 'stepWeights'] as const).filter((f) => a[f] !== undefined);
  if (drivers.length === 0) {
    issues.push({
      path: [key],
      message: 'expected one of analysis.stepWeight, analysis.stepWeights or analysis.iterations',
    });
  } else if (drivers.length > 1) {
    issues.push({
      path: [key, drivers[1] ?? ''],
      message: `expected only one of iterations, stepWeight or stepWeights, got ${drivers.join(' and ')}`,
    });
  }
  return issues;
}

/** Rules that relate several fields; each names the field to change. */
function crossFieldIssues(spec: {
  service: {
    delegation?: boolean | undefined;
    gateways?: string[] | undefined;
    hosts?: string[] | undefined;
  };
  analysis?: CanaryAnalysis | undefined;
  canaryAnalysis?: CanaryAnalysis | undefined;
}): FieldIssue[] {
  const a = spec.analysis ?? spec.canaryAnalysis;
  const issues = stepIssues(a);
  const { delegation, gateways = [], hosts = [] } = spec.service;
  if (delegation && (gateways.length > 0 || hosts.length > 0)) {
    issues.push({
      path: ['service', 'delegation'],
      message: 'a delegate VirtualService has no hosts and no gateways: remove service.hosts/gateways',
    });
  }
  issues.push(
    ...analysisShapeIssues(
      spec.analysis === undefined ? spec.canaryAnalysis : spec.analysis,
      spec.analysis === undefined && spec.canaryAnalysis !== undefined ? 'canaryAnalysis' : 'analysis',
    ),
  );
  const sa = a?.sessionAffinity;
  if (sa?.primaryCookieName !== undefined && sa.primaryCookieName === sa.cookieName) {
    issues.push({
      path: ['analysis', 'sessionAffinity', 'primaryCookieName'],
      message: 'expected a cookie name different from cookieName',
    });
  }
  return issues;
}

export const CanarySpec = z
  .strictObject({
    /** Flagger's enum plus Serin's `gateway-api`; support is src/api/capabilities.ts's to say. */
    provider: z
      .enum([...FLAGGER_PROVIDERS, SERIN_GATEWAY_API], {
        error: `expected one of ${FLAGGER_PROVIDERS.join(', ')} (or ${SERIN_GATEWAY_API} in serin.dev)`,
      })
      .optional(),
    metricsServer: z.string().optional(),
    targetRef: TargetRef,
    autoscalerRef: AutoscalerRef.optional(),
    ingressRef: CrossNamespaceObjectReference.optional(),
    routeRef: CrossNamespaceObjectReference.optional(),
    upstreamRef: CrossNamespaceObjectReference.optional(),
    service: CanaryService,
    analysis: CanaryAnalysis.optional(),
    /** Deprecated alias from flagger.app/v1alpha3; `analysis` wins when both are set. */
    canaryAnalysis: CanaryAnalysis.optional(),
    progressDeadlineSeconds: z.number().int().min(1).default(600),
    skipAnalysis: z.boolean().optional(),
    suspend: z.boolean().optional(),
    revertOnDeletion: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    for (const issue of crossFieldIssues(spec)) ctx.addIssue({ code: 'custom', ...issue });
  });
export type CanarySpec = z.output<typeof CanarySpec>;

export { PHASES };
export const Phase = z.enum(PHASES);
export type Phase = z.output<typeof Phase>;

/** `continue`: the judge is still collecting evidence; `environmental`: the primary fails the check alike. */
export const CHECK_VERDICTS = ['pass', 'fail', 'unknown', 'continue', 'environmental'] as const;
export type CheckVerdict = (typeof CHECK_VERDICTS)[number];

/** One evaluated check, kept in status so every decision can be explained afterwards. */
export const CheckRecord = z.strictObject({
  name: z.string(),
  kind: z.enum(['metric', 'webhook', 'judge', 'readiness']),
  verdict: z.enum(CHECK_VERDICTS),
  value: z.number().optional(),
  /** Serin: the primary's value on the same check and window (the noise guard). */
  primaryValue: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  message: z.string().optional(),
  time: z.string(),
  weight: z.number().optional(),
});
export type CheckRecord = z.output<typeof CheckRecord>;

export const Decision = z.strictObject({
  /** Serin: unique per Canary and decision; events, alerts and hooks of the decision carry it. */
  id: z.string().optional(),
  time: z.string(),
  phase: Phase,
  action: z.string(),
  reason: z.string(),
  canaryWeight: z.number().optional(),
});
export type Decision = z.output<typeof Decision>;

/** How a workload's process last ended (local mode) or its container last terminated (Kubernetes). */
export const WorkloadExit = z.strictObject({
  /** The exit code, when the process ran and exited. */
  code: z.number().int().optional(),
  /** The signal that ended it (SIGKILL, SIGSEGV, ...). */
  signal: z.string().optional(),
  /** Why it could not start at all (`spawn ./server ENOENT`), or the platform's reason (OOMKilled). */
  error: z.string().optional(),
  time: z.string().optional(),
});
export type WorkloadExit = z.output<typeof WorkloadExit>;

/** Serin: one side's health as the platform reports it (replicas, restarts, why it cannot serve). */
export const WorkloadHealth = z.strictObject({
  ready: z.number().int(),
  desired: z.number().int(),
  /** Restarts of its replicas (containers) so far. */
  restarts: z.number().int(),
  /** Why it is not serving: Kubernetes' waiting reason (CrashLoopBackOff, ImagePullBackOff, ...) or local mode's. */
  reason: z.string().optional(),
  /** The platform's words for it (the kubelet's message, the readiness probe's answer). */
  message: z.string().optional(),
  lastExit: WorkloadExit.optional(),
  /** The last lines the failing replica wrote (local mode), newest last. */
  logTail: z.array(z.string()).optional(),
  /** The run (its `runStartedAt`) this was observed in; a record from another run is history. */
  run: z.string().optional(),
});
export type WorkloadHealth = z.output<typeof WorkloadHealth>;
/** One effect of an intent, in the order the tick acts (see src/engine/intent.ts). */
export const IntentEffect = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('routes'),
    primaryWeight: z.number(),
    canaryWeight: z.number(),
    mirrored: z.boolean(),
  }),
  z.strictObject({ kind: z.literal('scale-up') }),
  z.strictObject({ kind: z.literal('scale-down') }),
  z.strictObject({ kind: z.literal('promote'), revision: z.string() }),
  z.strictObject({
    kind: z.literal('event'),
    decision: z.string(),
    type: z.enum(['Normal', 'Warning']),
    reason: z.string(),
    message: z.string(),
  }),
  z.strictObject({
    kind: z.literal('alert'),
    decision: z.string(),
    severity: z.enum(['info', 'warn', 'error']),
    message: z.string(),
    fields: stringMap().optional(),
  }),
  z.strictObject({
    kind: z.literal('hook'),
    decision: z.string(),
    hook: z.string(),
    hookType: z.enum(['event', 'post-rollout']),
    phase: Phase,
    metadata: stringMap().optional(),
  }),
]);
export type IntentEffect = z.output<typeof IntentEffect>;

/**
 * Serin: what a tick is about to do, written before it acts. `done` effects (in order) have
 * happened; a restart finishes the rest before anything else. Effects are stored as opaque
 * objects (a union is not a structural CRD schema) and checked against {@link IntentEffect} when
 * they are carried out.
 */
export const Intent = z.strictObject({
  id: z.string(),
  phase: Phase,
  effects: z.array(opaqueObject()),
  done: z.number().int(),
});
export type Intent = z.output<typeof Intent>;

export const CanaryStatus = z.looseObject({
  phase: Phase.optional(),
  observedGeneration: z.number().int().optional(),
  failedChecks: z.number().int().optional(),
  /** Serin: checks that could not be measured (no data, provider error) in this run. */
  unknownChecks: z.number().int().optional(),
  canaryWeight: z.number().optional(),
  mirrored: z.boolean().optional(),
  iterations: z.number().int().optional(),
  lastAppliedSpec: z.string().optional(),
  lastPromotedSpec: z.string().optional(),
  trackedConfigs: stringMap().optional(),
  lastTransitionTime: z.string().optional(),
  conditions: z.array(Condition).optional(),
  sessionAffinityCookie: z.string().optional(),
  primarySessionAffinityCookie: z.string().optional(),
  previousSessionAffinityCookie: z.string().optional(),
  /** Serin: when the current run started, for progress deadlines and durations. */
  runStartedAt: z.string().optional(),
  /**
   * Serin: when the current evidence window began (traffic last changed, or the last round of
   * checks was counted). No step, promotion or iteration before a full interval has passed since.
   */
  evidenceSince: z.string().optional(),
  /** Serin: the last checks evaluated, newest last. */
  checks: z.array(CheckRecord).optional(),
  /** Serin: the last decisions taken, newest last, each with its reason. */
  decisions: z.array(Decision).optional(),
  /** Serin: imperative control state (pause, weight override) and the last command applied. */
  paused: z.boolean().optional(),
  lastCommandId: z.string().optional(),
  /** Serin: since when the primary or canary has not been ready, for the progress deadline. */
  notReadySince: z.strictObject({ primary: z.string().optional(), canary: z.string().optional() }).optional(),
  /** Serin: the health of the primary and the canary workloads, from their pods (processes). */
  workloads: z
    .strictObject({ primary: WorkloadHealth.optional(), canary: WorkloadHealth.optional() })
    .optional(),
  /** Serin: the gate the run is waiting at (confirm-rollout, confirm-traffic-increase, confirm-promotion). */
  waitingFor: z.string().optional(),
  /** Serin: the sequential judge's persisted state and its last evidence. */
  judge: opaqueObject().optional(),
  /** Serin: decisions taken so far for this Canary; the next decision's id is derived from it. */
  decisionCount: z.number().int().optional(),
  /** Serin: the effects in flight (write-ahead); absent when the last tick finished. */
  intent: Intent.optional(),
});
export type CanaryStatus = z.output<typeof CanaryStatus>;

const CanaryObject = z.strictObject({
  apiVersion: z.string(),
  kind: z.literal('Canary'),
  metadata: ObjectMeta,
  spec: CanarySpec,
  status: CanaryStatus.optional(),
});

/** Knative's route serves a Knative Service on port 80. */
const KNATIVE_ROUTE_PORT = 80;

/**
 * Flagger's CRD does not require `spec.service`, and a knative Canary has none: Knative serves the
 * Service through its own routes and Serin renders no Services for it. Such a Canary reads as one
 * with Knative's port, so every other part of Serin reads one shape; nothing renders it.
 */
function withKnativeService(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const spec = (raw as { spec?: unknown }).spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return raw;
  const { provider, targetRef, service } = spec as Record<string, unknown>;
  const ref = (typeof targetRef === 'object' && targetRef !== null ? targetRef : {}) as Record<
    string,
    unknown
  >;
  const knative =
    provider === 'knative' && ref.kind === 'Service' && ref.apiVersion === 'serving.knative.dev/v1';
  if (!knative || service !== undefined) return raw;
  return { ...raw, spec: { ...spec, service: { port: KNATIVE_ROUTE_PORT } } };
}

export const CanaryDocument = z.preprocess(withKnativeService, CanaryObject);
export type Canary = z.output<typeof CanaryObject>;
export type CanaryInput = z.input<typeof CanaryObject>;
