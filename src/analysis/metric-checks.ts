/**
 * Evaluates the metrics of `analysis.metrics`: Flagger's built-in checks (the Canary's provider's
 * queries against Prometheus, or the local router's counters), inline queries, and MetricTemplates. A metric that names a built-in AND a
 * `templateRef` runs the template only (Flagger runs both).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Canary, CanaryMetric } from '../api/canary.js';
import { intervalReadableBy, parseDuration } from '../api/common.js';
import type { MetricTemplate } from '../api/metric-template.js';
import type { CheckOutcome } from '../engine/ports.js';
import { noiseGuardOf } from '../engine/analysis-config.js';
import { boundsOf, judgeValue, unknownOutcome } from './bounds.js';
import { guardOutcome, primaryView } from './noise-guard.js';
import {
  BUILTIN_QUERIES,
  builtinObserver,
  builtinScope,
  builtinTemplate,
  DURATION,
  durationMs,
  isBuiltin,
  SUCCESS_RATE,
  type BuiltinName,
  type Observer,
} from './builtin.js';
import { p99, successRate, type LocalMetricsWindow } from './local-window.js';
import { providerFactory } from './providers/registry.js';
import { NoDataError, type MetricProvider } from './providers/types.js';
import { resolveSecret, type SecretLookup } from './secrets.js';
import { renderTemplate, templateScope } from './template.js';
import { isKnativeTarget } from '../routing/providers/knative.js';

export type TemplateLookup = (namespace: string, name: string) => Promise<MetricTemplate | undefined>;

export interface MetricSources {
  templates: TemplateLookup;
  /** The cluster Serin works on, for providers that read the Kubernetes API (keptn, externalmetrics). */
  kubeConfig?: KubeConfig | undefined;
  secrets?: SecretLookup | undefined;
  /** Prometheus for built-ins and inline queries when the Canary has no `spec.metricsServer`. */
  metricsServer?: string | undefined;
  /** The local router's counters: built-ins use them when the Canary has no `spec.metricsServer`. */
  local?: LocalMetricsWindow | undefined;
  /** The routing provider of Canaries without `spec.provider` (the controller's `--provider`). */
  defaultProvider?: string | undefined;
  /**
   * The workloads sit behind Serin's local router, which emits Istio's metrics whatever the
   * Canary's provider: built-ins then run Istio's queries (local mode, `serin run --prometheus`).
   */
  routerMetrics?: boolean | undefined;
  /**
   * The latest created revision of a Knative Service (Flagger's `{{ route }}` for knative
   * Canaries); without it a knative built-in cannot be rendered and says so.
   */
  knativeRevision?: ((namespace: string, service: string) => Promise<string | undefined>) | undefined;
}

/** What ran for one metric: the query as sent, and where. */
export interface MetricPlan {
  name: string;
  kind: 'builtin' | 'query' | 'template';
  /** `prometheus`, another provider type, or `local` (the router's own counters). */
  source: string;
  /** The provider address (Prometheus URL) when there is one. */
  address?: string;
  /** The rendered query, or a description of the local computation. */
  query?: string;
  /** For a built-in: whose queries (Flagger's observer: istio, nginx, linkerd, ...). */
  observer?: Observer;
  interval: string;
  /** Set when the metric cannot be evaluated at all (render error, missing template). */
  error?: string;
}

export interface MetricResult extends CheckOutcome {
  plan: MetricPlan;
}

function namespaceOf(canary: Canary): string {
  return canary.metadata.namespace ?? 'default';
}

function metricsServerFor(canary: Canary, sources: MetricSources): string | undefined {
  return canary.spec.metricsServer ?? sources.metricsServer;
}

function useLocal(canary: Canary, sources: MetricSources): boolean {
  return sources.local !== undefined && canary.spec.metricsServer === undefined;
}

interface Prepared {
  plan: MetricPlan;
  template?: MetricTemplate;
}

async function prepareTemplate(
  canary: Canary,
  metric: CanaryMetric,
  base: MetricPlan,
  sources: MetricSources,
): Promise<Prepared> {
  const ref = metric.templateRef;
  const namespace = ref?.namespace ?? namespaceOf(canary);
  const plan: MetricPlan = { ...base, kind: 'template', source: 'template' };
  if (ref === undefined) return { plan };
  let template: MetricTemplate | undefined;
  try {
    template = await sources.templates(namespace, ref.name);
  } catch (error) {
    return {
      plan: {
        ...plan,
        error: `cannot read MetricTemplate ${namespace}/${ref.name}: ${(error as Error).message}`,
      },
    };
  }
  if (template === undefined)
    return { plan: { ...plan, error: `MetricTemplate ${namespace}/${ref.name} not found` } };
  const provider = template.spec.provider;
  const withSource: MetricPlan = {
    ...plan,
    source: provider.type,
    ...(provider.address !== undefined ? { address: provider.address } : {}),
  };
  const scope = templateScope(canary, metric);
  if (isKnativeTarget(canary.spec.targetRef)) {
    const revision = await knativeRoute(canary, sources, metric.name);
    if ('error' in revision) return { plan: { ...withSource, error: revision.error }, template };
    scope.values.route = revision.route;
  }
  try {
    return {
      plan: { ...withSource, query: renderTemplate(template.spec.query, scope) },
      template,
    };
  } catch (error) {
    return {
      plan: { ...withSource, error: `MetricTemplate ${namespace}/${ref.name}: ${(error as Error).message}` },
      template,
    };
  }
}

function localDescription(name: BuiltinName, canary: Canary, interval: string): string {
  const what = name === SUCCESS_RATE ? 'non-5xx share × 100' : 'P99 duration (ms)';
  return `local router: ${what} of destination_workload=~"${canary.spec.targetRef.name}" in namespace ${namespaceOf(canary)} over ${interval}`;
}

function observerFor(canary: Canary, sources: MetricSources): Observer {
  return sources.routerMetrics === true ? 'istio' : builtinObserver(canary, sources.defaultProvider);
}

/**
 * Flagger's `{{ route }}` for a Knative Service target: the revision Knative created last (its
 * scheduler sets it for built-ins and MetricTemplates alike).
 */
async function knativeRoute(
  canary: Canary,
  sources: MetricSources,
  what: string,
): Promise<{ route: string } | { error: string }> {
  const service = canary.spec.targetRef.name;
  const namespace = namespaceOf(canary);
  let revision: string | undefined;
  try {
    revision = await sources.knativeRevision?.(namespace, service);
  } catch (error) {
    return { error: `cannot read Knative Service ${namespace}/${service}: ${(error as Error).message}` };
  }
  if (revision === undefined)
    return {
      error: `${what} with provider knative: the latest created revision of Knative Service ${namespace}/${service} is not known (status.latestCreatedRevisionName)`,
    };
  return { route: revision };
}

/** A built-in rendered with its provider's query (Knative's needs the Service's latest revision). */
async function planBuiltin(
  canary: Canary,
  name: BuiltinName,
  base: MetricPlan,
  sources: MetricSources,
): Promise<MetricPlan> {
  const observer = observerFor(canary, sources);
  const plan: MetricPlan = { ...base, observer };
  const scope = templateScope(canary, { interval: base.interval });
  if (BUILTIN_QUERIES[observer].needsKnativeRevision === true) {
    const revision = await knativeRoute(canary, sources, name);
    if ('error' in revision) return { ...plan, error: revision.error };
    scope.values.route = revision.route;
  }
  try {
    return { ...plan, query: renderTemplate(builtinTemplate(name, observer), builtinScope(observer, scope)) };
  } catch (error) {
    return { ...plan, error: `${name}: ${(error as Error).message}` };
  }
}

/** A window only Graphite's own syntax has (`1min`) is an error for every other source. */
function withIntervalCheck(plan: MetricPlan): MetricPlan {
  if (plan.error !== undefined || intervalReadableBy(plan.interval, plan.source)) return plan;
  return {
    ...plan,
    error: `interval: expected a duration such as 30s or 1m for ${plan.source === 'prometheus' ? 'a PromQL range' : `metric provider ${plan.source}`}, got "${plan.interval}"`,
  };
}

/** Renders every metric without running it: what `serin analyze --dry-run` prints. */
export async function planMetric(
  canary: Canary,
  metric: CanaryMetric,
  sources: MetricSources,
): Promise<Prepared> {
  const interval = metric.interval;
  const base: MetricPlan = { name: metric.name, kind: 'query', source: 'prometheus', interval };
  if (metric.templateRef !== undefined) {
    const prepared = await prepareTemplate(canary, metric, base, sources);
    return { ...prepared, plan: withIntervalCheck(prepared.plan) };
  }
  if (!intervalReadableBy(interval, undefined)) return { plan: withIntervalCheck(base) };
  const server = metricsServerFor(canary, sources);
  const prometheus = server === undefined ? base : { ...base, address: server };
  const scope = templateScope(canary, metric);
  if (isBuiltin(metric.name) && metric.query === undefined) {
    if (useLocal(canary, sources)) {
      return {
        plan: {
          ...base,
          kind: 'builtin',
          source: 'local',
          observer: 'istio',
          query: localDescription(metric.name, canary, interval),
        },
      };
    }
    return { plan: await planBuiltin(canary, metric.name, { ...prometheus, kind: 'builtin' }, sources) };
  }
  if (metric.query !== undefined) {
    try {
      return { plan: { ...prometheus, query: renderTemplate(metric.query, scope) } };
    } catch (error) {
      return { plan: { ...prometheus, error: `query: ${(error as Error).message}` } };
    }
  }
  return {
    plan: {
      ...base,
      error: `metric ${metric.name}: no usable metrics template and query were configured (set templateRef or query)`,
    },
  };
}

async function providerFor(
  canary: Canary,
  prepared: Prepared,
  sources: MetricSources,
): Promise<MetricProvider> {
  const template = prepared.template;
  if (template !== undefined) {
    const namespace = template.metadata.namespace ?? namespaceOf(canary);
    const credentials = await resolveSecret(template.spec.provider, namespace, sources.secrets);
    return providerFactory(template.spec.provider.type)({
      spec: template.spec.provider,
      credentials,
      interval: prepared.plan.interval,
      kubeConfig: sources.kubeConfig,
    });
  }
  const address = prepared.plan.address;
  if (address === undefined) {
    throw new Error('no metrics server: set spec.metricsServer on the Canary (or pass --prometheus)');
  }
  return providerFactory('prometheus')({ spec: { type: 'prometheus', address }, credentials: undefined });
}

function evaluateLocal(
  metric: CanaryMetric,
  plan: MetricPlan,
  canary: Canary,
  window: LocalMetricsWindow,
  runStartMs: number | undefined,
): number {
  const totals = window.window(
    { namespace: namespaceOf(canary), workloadPattern: canary.spec.targetRef.name },
    parseDuration(plan.interval),
    runStartMs,
  );
  if (totals === undefined)
    throw new NoDataError(
      `no rate yet: the local router has fewer than two samples ${runStartMs === undefined ? '' : 'of this run '}in the last ${plan.interval}`,
    );
  if (totals.requests === 0) {
    throw new NoDataError(
      `no requests to ${canary.spec.targetRef.name} in the last ${plan.interval} (is it receiving traffic?)`,
    );
  }
  const value = metric.name === SUCCESS_RATE ? successRate(totals) : p99(totals);
  if (Number.isNaN(value))
    throw new NoDataError(
      `no latency observations for ${canary.spec.targetRef.name} in the last ${plan.interval}`,
    );
  return value;
}

async function measure(
  canary: Canary,
  metric: CanaryMetric,
  prepared: Prepared,
  sources: MetricSources,
  now: Date,
  runStartMs: number | undefined,
): Promise<number> {
  const { plan } = prepared;
  if (plan.source === 'local' && sources.local !== undefined)
    return evaluateLocal(metric, plan, canary, sources.local, runStartMs);
  const provider = await providerFor(canary, prepared, sources);
  try {
    return await provider.queryValue(plan.query ?? '', now);
  } finally {
    await provider.close();
  }
}

/** The request-duration built-in is compared in whole milliseconds, scaled and truncated as Flagger does. */
function normalise(plan: MetricPlan, value: number): number {
  if (plan.kind !== 'builtin' || plan.name !== DURATION) return value;
  // The local router's P99 is already in milliseconds, as Istio's histogram is.
  return durationMs(plan.observer ?? 'istio', value);
}

/**
 * Evaluates one metric; never throws: every problem is an `unknown` outcome naming it. With
 * `runStartMs`, the local router's window starts no earlier than the run (a Prometheus query's
 * range is the query's own, as in Flagger).
 */
export async function evaluateMetric(
  canary: Canary,
  metric: CanaryMetric,
  sources: MetricSources,
  now: Date,
  runStartMs?: number,
): Promise<MetricResult> {
  const prepared = await planMetric(canary, metric, sources);
  const { plan } = prepared;
  const builtin = plan.kind === 'builtin';
  const bounds = boundsOf(metric, builtin);
  // Unknown outcomes keep the bounds, so a report still shows what the value would be held to.
  const unknown = (message: string): MetricResult => ({
    ...unknownOutcome(metric.name, message),
    ...(bounds.min !== undefined ? { min: bounds.min } : {}),
    ...(bounds.max !== undefined ? { max: bounds.max } : {}),
    plan,
  });
  if (plan.error !== undefined) return unknown(plan.error);
  let value: number;
  try {
    value = await measure(canary, metric, prepared, sources, now, runStartMs);
  } catch (error) {
    return unknown(`${metric.name}: ${(error as Error).message}`);
  }
  const outcome = judgeValue(metric.name, normalise(plan, value), bounds);
  if (outcome.verdict !== 'fail' || !noiseGuardOf(canary)) return { ...outcome, plan };
  return {
    ...(await againstPrimary(canary, metric, prepared, outcome, sources, now, runStartMs)),
    plan,
  };
}

/**
 * The noise guard: the same check on the primary in the same window. Without a way to name the
 * primary (a query that does not use `{{ target }}`), the failure stands and says why.
 */
async function againstPrimary(
  canary: Canary,
  metric: CanaryMetric,
  prepared: Prepared,
  failed: CheckOutcome,
  sources: MetricSources,
  now: Date,
  runStartMs: number | undefined,
): Promise<CheckOutcome> {
  const view = primaryView(canary);
  const primary = await planMetric(view, metric, sources);
  const noGuard = (why: string): CheckOutcome => ({
    ...failed,
    message: `${failed.message}; not compared with the primary: ${why}`,
  });
  if (primary.plan.error !== undefined) return noGuard(primary.plan.error);
  const observer = primary.plan.observer;
  if (primary.plan.kind === 'builtin' && observer !== undefined && !BUILTIN_QUERIES[observer].primaryByTarget)
    return noGuard(
      `the ${observer} built-in finds the canary by the names of its ${observer} objects, not by {{ target }}, so it cannot be asked about the primary`,
    );
  if (primary.plan.source !== 'local' && primary.plan.query === prepared.plan.query)
    return noGuard('the query does not name {{ target }}, so it cannot be asked about the primary');
  try {
    const builtin = primary.plan.kind === 'builtin';
    const value = normalise(primary.plan, await measure(view, metric, primary, sources, now, runStartMs));
    return guardOutcome(failed, value, boundsOf(metric, builtin));
  } catch (error) {
    return noGuard(`the primary could not be measured (${(error as Error).message})`);
  }
}
