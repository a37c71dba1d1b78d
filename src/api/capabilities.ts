/**
 * What Serin can run, checked in one place. The schemas (canary.ts, metric-template.ts) say what a
 * valid document is, as Flagger's CRD does; this module says whether Serin runs it. `validate`,
 * `lint`, `generate`, `analyze`, `migrate check` and the controller all ask here, so no path treats
 * a provider, target kind or metric backend Serin does not implement as something else.
 *
 * It reads the raw document (not the parsed value), so a Canary that also fails validation still
 * gets the capability findings that explain it (a knative Canary has no `spec.service`, ...).
 */
import {
  DURATION_PATTERN,
  FLAGGER_GROUP,
  FLAGGER_INTERVAL_PATTERN,
  intervalReadableBy,
  readsIntervalVerbatim,
} from './common.js';
import { METRIC_PROVIDER_TYPES } from './metric-template.js';
import { templateProblem } from '../analysis/template.js';
import { ignored, invalid, notYet, type CapabilityIssue } from './capability-issue.js';
import type { RoutingProviderId } from '../routing/providers/ids.js';
import { featureIssues, providerById, ROUTING_PROVIDERS } from '../routing/providers/registry.js';
import { appMeshV1beta1Refusal } from '../routing/providers/appmesh-v1beta2.js';
import { KNATIVE_API_VERSION } from '../routing/providers/knative.js';

/** Flagger's `spec.provider` enum (artifacts/flagger/crd.yaml). */
export const FLAGGER_PROVIDERS = [
  'apisix',
  'appmesh',
  'appmesh:v1beta2',
  'contour',
  'gatewayapi:v1',
  'gatewayapi:v1beta1',
  'gloo',
  'istio',
  'knative',
  'kubernetes',
  'kuma',
  'linkerd',
  'nginx',
  'osm',
  'skipper',
  'smi:v1alpha1',
  'smi:v1alpha2',
  'smi:v1alpha3',
  'traefik',
] as const;

/** Serin's own spelling of the Gateway API provider, valid in `serin.dev` documents only. */
export const SERIN_GATEWAY_API = 'gateway-api';

/** Routing providers Serin runs (`spec.provider` value to provider id), from the registry. */
export const SUPPORTED_PROVIDERS: Readonly<Record<string, RoutingProviderId>> = Object.fromEntries(
  ROUTING_PROVIDERS.flatMap((p) => p.names.map((name) => [name, p.id as RoutingProviderId])),
);

/** Flagger's `spec.targetRef.kind` enum, and the kinds Serin runs. */
export const FLAGGER_TARGET_KINDS = ['Deployment', 'DaemonSet', 'Service'] as const;
/** Serin's local-mode process workload (`serin.dev` only). */
export const SERIN_WORKLOAD_KIND = 'Workload';
export const SUPPORTED_TARGET_KINDS: Readonly<Record<Platform, readonly string[]>> = {
  kubernetes: ['Deployment', 'DaemonSet', 'Service'],
  // A DaemonSet means one pod per node and a Service target means workloads Serin did not start:
  // neither has a counterpart among local processes.
  local: ['Workload', 'Deployment'],
  any: ['Deployment', 'DaemonSet', 'Service', 'Workload'],
};
export const SUPPORTED_AUTOSCALER_KINDS: readonly string[] = ['HorizontalPodAutoscaler', 'ScaledObject'];
/** Target kinds an autoscaler can scale: a DaemonSet runs one pod per node, a Service runs none. */
export const SCALABLE_TARGET_KINDS: readonly string[] = ['Deployment'];
/** Metric providers Serin queries (one file each under src/analysis/providers/; a test keeps the two in step). */
export const SUPPORTED_METRIC_PROVIDERS: readonly string[] = [
  'prometheus',
  'datadog',
  'newrelic',
  'graphite',
  'dynatrace',
  'cloudwatch',
  'influxdb',
  'externalmetrics',
  'keptn',
  'stackdriver',
  'splunk',
];

export type { CapabilityIssue, CapabilityReason } from './capability-issue.js';

/** The parts of a MetricTemplate this check needs, looked up by a Canary's `templateRef`. */
export interface TemplateLike {
  spec?: { provider?: { type?: unknown }; query?: unknown };
}

/** Where the Canary is to run: on a cluster, in local mode, or not known (offline checks). */
export type Platform = 'kubernetes' | 'local' | 'any';

export interface CapabilityOptions {
  platform?: Platform;
  /** The routing provider for Canaries without `spec.provider` (the controller's `--provider`). */
  defaultProvider?: RoutingProviderId;
  /** Whether the default came from the user (a flag) rather than Serin's built-in `istio`. */
  defaultProviderExplicit?: boolean;
  /** Finds the MetricTemplate a metric refers to, when the caller has them. */
  template?: (name: string, namespace: string | undefined) => TemplateLike | undefined;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const record = (v: unknown): Json => (isRecord(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function isFlagger(raw: Json): boolean {
  return typeof raw.apiVersion === 'string' && raw.apiVersion.split('/')[0] === FLAGGER_GROUP;
}

/** The provider a Canary's `spec.provider` means, or undefined when Serin has none for it. */
export function routingProviderOf(
  provider: unknown,
  fallback: RoutingProviderId = 'istio',
): RoutingProviderId | undefined {
  if (provider === undefined || provider === '') return fallback;
  return typeof provider === 'string' ? SUPPORTED_PROVIDERS[provider] : undefined;
}

function providerIssues(raw: Json, spec: Json, options: CapabilityOptions): CapabilityIssue[] {
  const provider = spec.provider;
  if (provider === undefined || provider === '') return [];
  const known: readonly unknown[] = FLAGGER_PROVIDERS;
  if (provider === SERIN_GATEWAY_API) {
    return isFlagger(raw)
      ? [invalid('spec.provider', 'expected gatewayapi:v1 in a flagger.app Canary, got "gateway-api"')]
      : [];
  }
  // A value outside Flagger's enum is the schema's to reject (canary.ts), as Flagger's CRD does.
  if (typeof provider !== 'string' || !known.includes(provider)) return [];
  if (provider === 'appmesh') return [appMeshV1beta1Refusal()];
  if (routingProviderOf(provider, options.defaultProvider) === undefined) {
    return [notYet('spec.provider', `provider ${provider}`, Object.keys(SUPPORTED_PROVIDERS))];
  }
  return [];
}

function targetIssues(
  raw: Json,
  spec: Json,
  platform: Platform,
  routing: RoutingProviderId | undefined,
): CapabilityIssue[] {
  const issues: CapabilityIssue[] = [];
  const kind = record(spec.targetRef).kind ?? 'Deployment';
  const supported = SUPPORTED_TARGET_KINDS[platform];
  if (kind === SERIN_WORKLOAD_KIND && isFlagger(raw)) {
    issues.push(
      invalid(
        'spec.targetRef.kind',
        `expected one of ${FLAGGER_TARGET_KINDS.join(', ')} in a flagger.app Canary, got "Workload"`,
      ),
    );
  } else if (
    typeof kind === 'string' &&
    !supported.includes(kind) &&
    (FLAGGER_TARGET_KINDS as readonly string[]).concat(SERIN_WORKLOAD_KIND).includes(kind)
  ) {
    // Outside the enum is the schema's to reject; inside it, Serin may not run it (here) yet.
    const where = platform === 'any' ? '' : ` on ${platform === 'local' ? 'local mode' : 'Kubernetes'}`;
    issues.push(notYet('spec.targetRef.kind', `target kind ${kind}${where}`, supported));
  }
  issues.push(...autoscalerIssues(spec, platform), ...serviceTargetIssues(spec, kind, routing));
  return issues;
}

function autoscalerIssues(spec: Json, platform: Platform): CapabilityIssue[] {
  const scaler = spec.autoscalerRef;
  if (!isRecord(scaler) || typeof scaler.kind !== 'string') return [];
  if (!SUPPORTED_AUTOSCALER_KINDS.includes(scaler.kind)) return []; // outside the enum: the schema's
  const kind = record(spec.targetRef).kind ?? 'Deployment';
  if (typeof kind === 'string' && !SCALABLE_TARGET_KINDS.includes(kind) && kind !== SERIN_WORKLOAD_KIND)
    return [
      invalid(
        'spec.autoscalerRef',
        `a ${kind} target cannot be scaled by an autoscaler (expected a target of kind ${SCALABLE_TARGET_KINDS.join(', ')})`,
      ),
    ];
  if (scaler.kind === 'ScaledObject' && platform === 'local')
    return [
      notYet('spec.autoscalerRef.kind', 'autoscaler ScaledObject (KEDA) in local mode', [
        'HorizontalPodAutoscaler',
      ]),
    ];
  return [];
}

/**
 * A `kind: Service` target: a core Service as Flagger's ServiceController runs it, or a Knative
 * Service, which only the knative provider runs (Flagger's verifyKnativeCanary).
 */
function serviceTargetIssues(
  spec: Json,
  kind: unknown,
  routing: RoutingProviderId | undefined,
): CapabilityIssue[] {
  if (kind !== 'Service') return [];
  const ref = record(spec.targetRef);
  if (typeof ref.apiVersion === 'string' && ref.apiVersion.startsWith('serving.knative.dev/')) {
    if (ref.apiVersion !== KNATIVE_API_VERSION)
      return [
        invalid(
          'spec.targetRef.apiVersion',
          `expected ${KNATIVE_API_VERSION} for a Knative Service, got ${ref.apiVersion}`,
        ),
      ];
    if (routing !== undefined && routing !== 'knative')
      return [
        invalid(
          'spec.provider',
          `a Knative Service target runs only with the knative provider, got ${typeof spec.provider === 'string' ? spec.provider : routing}`,
        ),
      ];
    return [];
  }
  const service = record(spec.service);
  // The mesh routes the apex host to `<apex>-primary`/`-canary`, and those copies are named after the target.
  if (typeof service.name === 'string' && service.name !== ref.name)
    return [
      invalid(
        'spec.service.name',
        `expected the target Service's name ${JSON.stringify(ref.name)} for a Service target (its -primary and -canary copies are named after it), got ${JSON.stringify(service.name)}`,
      ),
    ];
  return [];
}

/**
 * Fields Flagger reads only for some providers (Serin's provider ids): with any other provider
 * Serin says so instead of ignoring them quietly.
 */
const PROVIDER_ONLY_FIELDS: readonly [path: string, providers: readonly string[]][] = [
  ['spec.ingressRef', ['nginx', 'skipper']],
  ['spec.routeRef', ['apisix']],
  ['spec.upstreamRef', ['gloo']],
  ['spec.service.meshName', ['appmesh-v1beta2']],
  ['spec.service.backends', ['appmesh-v1beta2']],
  ['spec.service.mirror', ['gateway-api']],
];

/** Fields Flagger reads only for other providers: Serin says so instead of ignoring them quietly. */
function providerFieldIssues(
  spec: Json,
  routing: RoutingProviderId | undefined,
  options: CapabilityOptions,
): CapabilityIssue[] {
  if (routing === undefined) return [];
  const issues: CapabilityIssue[] = [];
  const service = record(spec.service);
  const providerUnset = spec.provider === undefined || spec.provider === '';
  if (routing === 'istio' && list(service.gatewayRefs).length > 0) {
    if (providerUnset && options.defaultProviderExplicit !== true) {
      issues.push(
        invalid(
          'spec.provider',
          'not set, but spec.service.gatewayRefs is: Flagger took the provider from its -mesh-provider flag; set spec.provider: gatewayapi:v1 (or istio) so Serin does not guess',
        ),
      );
    } else {
      issues.push(
        ignored('spec.service.gatewayRefs', 'used only by the gatewayapi provider; ignored with istio'),
      );
    }
  }
  for (const [path, providers] of PROVIDER_ONLY_FIELDS) {
    const [parent, key] = path.split('.').slice(-2) as [string, string];
    const holder = parent === 'spec' ? spec : record(spec[parent]);
    if (holder[key] !== undefined && !providers.includes(routing))
      issues.push(ignored(path, `used only by the ${providers.join(' and ')} provider; ignored`));
  }
  issues.push(...featureIssues(providerById(routing), spec), ...providerById(routing).issues(spec));
  const rewrite = record(service.rewrite);
  if (rewrite.uriRegexRewrite !== undefined) {
    if (routing === 'istio' && rewrite.uri !== undefined)
      issues.push(
        invalid(
          'spec.service.rewrite.uriRegexRewrite',
          'expected either rewrite.uri or rewrite.uriRegexRewrite, not both (Istio)',
        ),
      );
  }
  return issues;
}

/**
 * A metric's `interval` goes into its query as written. Flagger's CRD lets `1min` through; only a
 * provider with its own time syntax (Graphite) can use it, and Graphite in turn refuses Go's `m`.
 * `type` undefined: a built-in or inline PromQL query.
 */
function intervalIssues(
  at: string,
  interval: unknown,
  type: string | undefined,
  template?: TemplateLike,
): CapabilityIssue[] {
  if (typeof interval !== 'string' || !FLAGGER_INTERVAL_PATTERN.test(interval)) return [];
  if (!intervalReadableBy(interval, type))
    return [
      invalid(
        at,
        `expected a duration such as 30s or 1m, got ${JSON.stringify(interval)}: ${type === undefined ? 'the query is PromQL' : `metric provider ${type}`} reads it as a duration (Flagger's CRD lets it through; only Graphite has units such as min)`,
      ),
    ];
  const usesInterval = typeof template?.spec?.query === 'string' && template.spec.query.includes('interval');
  // A Go duration with minutes (`1m`, `1h30m`): Graphite refuses its `m`.
  const goMinutes = DURATION_PATTERN.test(interval) && /\dm(?!s)/.test(interval);
  if (readsIntervalVerbatim(type) && usesInterval && goMinutes)
    return [
      {
        path: at,
        message: `Graphite has no unit m (its minutes are min): {{ interval }} renders ${JSON.stringify(interval)} and Graphite refuses the query; write ${JSON.stringify(interval.replace(/(\d)m(?!s)/g, '$1min'))}`,
        severity: 'warning',
        reason: 'Invalid',
      },
    ];
  return [];
}

function metricIssues(raw: Json, spec: Json, options: CapabilityOptions): CapabilityIssue[] {
  const issues: CapabilityIssue[] = [];
  const key = spec.analysis !== undefined ? 'analysis' : 'canaryAnalysis';
  const namespace = record(raw.metadata).namespace;
  list(record(spec[key]).metrics).forEach((m, i) => {
    const ref = record(record(m).templateRef);
    const interval = record(m).interval;
    const at = `spec.${key}.metrics[${i}].interval`;
    if (typeof ref.name !== 'string') {
      issues.push(...intervalIssues(at, interval, undefined));
      return;
    }
    if (!options.template) return;
    const ns =
      typeof ref.namespace === 'string'
        ? ref.namespace
        : typeof namespace === 'string'
          ? namespace
          : undefined;
    const template = options.template(ref.name, ns);
    if (!template) return; // a missing template is reported where it is resolved, with its name
    const type = template.spec?.provider?.type;
    issues.push(...intervalIssues(at, interval, typeof type === 'string' ? type : 'prometheus', template));
    if (typeof type === 'string' && !SUPPORTED_METRIC_PROVIDERS.includes(type)) {
      issues.push(
        notYet(
          `spec.${key}.metrics[${i}].templateRef`,
          `MetricTemplate ${ref.name} uses metric provider ${type}, which`,
          SUPPORTED_METRIC_PROVIDERS,
        ),
      );
    }
  });
  return issues;
}

/** Everything about a Canary that Serin would not run as written, each naming its field. */
/**
 * Flagger's load tester runs `bash`, `helm`, `helmv3`, `concord`, `ngrinder` and `tap` tasks
 * through a shell or other programs; Serin's load tester (the gate API) runs only `cmd` tasks with a
 * hey command line, never a shell, and answers 400 to the others. A webhook aimed at Flagger's own
 * flagger-loadtester still works, so this warns (naming the field and what to use) rather than
 * refusing the Canary.
 */
function webhookTaskIssues(spec: Json): CapabilityIssue[] {
  const analysis = record(spec.analysis ?? spec.canaryAnalysis);
  const key = spec.analysis !== undefined ? 'analysis' : 'canaryAnalysis';
  return list(analysis.webhooks).flatMap((hook, i) => {
    const type = record(record(hook).metadata).type;
    if (type === undefined || type === 'cmd') return [];
    return [
      {
        path: `spec.${key}.webhooks[${String(i)}].metadata.type`,
        message: `load tester task type ${JSON.stringify(type)} runs through a shell or another program: only Flagger's flagger-loadtester runs it; Serin's load tester runs no shell and refuses it (use type "cmd" with a hey command line for load, and a pre-rollout webhook to your own test service for checks)`,
        severity: 'warning' as const,
        reason: 'NotSupported' as const,
      },
    ];
  });
}

export function canaryCapabilities(raw: unknown, options: CapabilityOptions = {}): CapabilityIssue[] {
  if (!isRecord(raw)) return [];
  const spec = record(raw.spec);
  const routing = routingProviderOf(spec.provider, options.defaultProvider);
  return [
    ...providerIssues(raw, spec, options),
    ...targetIssues(raw, spec, options.platform ?? 'any', routing),
    ...providerFieldIssues(spec, routing, options),
    ...metricIssues(raw, spec, options),
    ...webhookTaskIssues(spec),
  ];
}

/** A MetricTemplate's backend and query template functions. */
export function metricTemplateCapabilities(raw: unknown): CapabilityIssue[] {
  if (!isRecord(raw)) return [];
  const spec = record(raw.spec);
  const issues: CapabilityIssue[] = [];
  const type = record(spec.provider).type;
  const known: readonly unknown[] = METRIC_PROVIDER_TYPES;
  if (typeof type === 'string' && known.includes(type) && !SUPPORTED_METRIC_PROVIDERS.includes(type))
    issues.push(notYet('spec.provider.type', `metric provider ${type}`, SUPPORTED_METRIC_PROVIDERS));
  if (typeof spec.query === 'string') {
    const problem = templateProblem(spec.query);
    if (problem !== undefined)
      issues.push({ path: 'spec.query', message: problem, severity: 'error', reason: 'NotSupported' });
  }
  return issues;
}

/** The capability findings of any document Serin reads (other kinds have none). */
export function documentCapabilities(raw: unknown, options: CapabilityOptions = {}): CapabilityIssue[] {
  const kind = isRecord(raw) ? raw.kind : undefined;
  if (kind === 'Canary') return canaryCapabilities(raw, options);
  if (kind === 'MetricTemplate') return metricTemplateCapabilities(raw);
  return [];
}

export function blocking(issues: readonly CapabilityIssue[]): CapabilityIssue[] {
  return issues.filter((i) => i.severity === 'error');
}

/** One line naming every blocking issue, for events, conditions and error messages. */
export function summarize(issues: readonly CapabilityIssue[]): string {
  return blocking(issues)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}

/** Options that resolve `templateRef`s against the MetricTemplates among these documents. */
export function capabilityOptionsFor(
  documents: readonly unknown[],
  base: CapabilityOptions = {},
): CapabilityOptions {
  const templates = documents.filter((d): d is Json => isRecord(d) && d.kind === 'MetricTemplate');
  return {
    ...base,
    template: (name, namespace) =>
      templates.find((t) => {
        const meta = record(t.metadata);
        return (
          meta.name === name &&
          (namespace === undefined || meta.namespace === undefined || meta.namespace === namespace)
        );
      }),
  };
}
