/**
 * The engine's MetricsPort: every metric of `analysis.metrics`, then the sequential judge when
 * `analysis.judge` is set. Nothing here decides what a failure means; it reports pass, fail or
 * unknown honestly, with the provider's own message.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Canary } from '../api/canary.js';
import type {
  CheckOutcome,
  JudgeVerdict,
  MetricsContext,
  MetricsEvaluation,
  MetricsPort,
} from '../engine/ports.js';
import { createJudge, type Judge, type JudgeSpec, type JudgeSpecInput } from './judge/index.js';
import { localObservation, prometheusObservation, type ObservationPair } from './judge-observation.js';
import { LocalMetricsWindow } from './local-window.js';
import type { LocalMetricsSource } from './local-source.js';
import {
  evaluateMetric,
  type MetricResult,
  type MetricSources,
  type TemplateLookup,
} from './metric-checks.js';
import { PrometheusClient } from './prometheus/client.js';
import type { SecretLookup } from './secrets.js';

export type JudgeFactory = (spec: JudgeSpecInput | JudgeSpec, persisted: unknown) => Judge;

export interface MetricsPortOptions {
  templates: TemplateLookup;
  /** The cluster Serin works on, for providers that read the Kubernetes API (keptn, externalmetrics). */
  kubeConfig?: KubeConfig | undefined;
  secrets?: SecretLookup | undefined;
  /** Default Prometheus for Canaries without `spec.metricsServer`. */
  metricsServer?: string | undefined;
  /** The local router: built-ins and the judge read it when a Canary has no `spec.metricsServer`. */
  localSource?: LocalMetricsSource | LocalMetricsWindow | undefined;
  judge?: JudgeFactory | undefined;
  /** Whose built-in queries Canaries without `spec.provider` run (the controller's `--provider`). */
  defaultProvider?: string | undefined;
  /** Serin's local router emits the metrics (Istio's), so built-ins run Istio's queries. */
  routerMetrics?: boolean | undefined;
  /** A Knative Service's latest created revision, for knative built-ins. */
  knativeRevision?: MetricSources['knativeRevision'];
}

export interface DetailedEvaluation {
  metrics: MetricResult[];
  judge?: JudgeVerdict;
  /** The judge's input, when it could be read. */
  observation?: ObservationPair;
  /** Why the judge could not run this time. */
  judgeError?: string;
}

function analysisOf(canary: Canary) {
  return canary.spec.analysis ?? canary.spec.canaryAnalysis;
}

/** Only the fields of a CheckOutcome: the status record is strict. */
function toOutcome(result: MetricResult): CheckOutcome {
  const { plan: _plan, ...outcome } = result;
  return outcome;
}

/**
 * Why the judge's counts are no evidence at all, if they are not: an arm with no requests since
 * the run started tells nothing about it. (Below the minimum sample the judge says `continue`,
 * recorded as such: it may let a step gather more evidence, never a promotion on its own.)
 */
export function missingEvidence(totals: {
  canary: { requests: number };
  primary: { requests: number };
}): string | undefined {
  const { canary, primary } = totals;
  const empty = [canary.requests === 0 ? 'canary' : '', primary.requests === 0 ? 'primary' : ''].filter(
    Boolean,
  );
  if (empty.length === 0) return undefined;
  return `no requests on the ${empty.join(' or the ')} (canary ${canary.requests}, primary ${primary.requests} since the run started)`;
}

/** Feeds one observation to the judge and reports its verdict, with whether it had evidence. */
export function observeJudge(judge: Judge, observation: ObservationPair): JudgeVerdict {
  const decision = judge.observe(observation);
  const state = judge.state();
  const insufficient = decision.verdict === 'continue' ? missingEvidence(state.totals) : undefined;
  return {
    verdict: decision.verdict,
    reason: decision.reason,
    evidence: { ...decision.evidence, observation },
    state,
    ...(insufficient !== undefined ? { insufficient } : {}),
  };
}

export class MetricsEvaluator {
  private readonly sources: MetricSources;
  private readonly judgeFactory: JudgeFactory;

  constructor(options: MetricsPortOptions) {
    const local = options.localSource;
    const window =
      local === undefined || local instanceof LocalMetricsWindow
        ? local
        : new LocalMetricsWindow(local).start();
    this.sources = {
      templates: options.templates,
      kubeConfig: options.kubeConfig,
      secrets: options.secrets,
      metricsServer: options.metricsServer,
      local: window,
      defaultProvider: options.defaultProvider,
      routerMetrics: options.routerMetrics,
      knativeRevision: options.knativeRevision,
    };
    this.judgeFactory = options.judge ?? ((spec, persisted) => createJudge(spec, persisted));
  }

  get metricSources(): MetricSources {
    return this.sources;
  }

  async evaluateDetailed(canary: Canary, context: MetricsContext): Promise<DetailedEvaluation> {
    const analysis = analysisOf(canary);
    const runStartMs = context.runStartedAt === undefined ? undefined : Date.parse(context.runStartedAt);
    const metrics = await Promise.all(
      (analysis?.metrics ?? []).map((m) => evaluateMetric(canary, m, this.sources, context.now, runStartMs)),
    );
    const spec = analysis?.judge;
    // A disabled judge reads nothing: no queries, no state.
    // (`enabled` is read as unknown: a spec that skipped schema defaults still runs the judge.)
    const enabled: unknown = spec?.enabled;
    if (spec === undefined || enabled === false) return { metrics };
    try {
      const observation = await this.observe(canary, context);
      const judge = this.judgeFactory(spec, context.judgeState);
      return { metrics, judge: observeJudge(judge, observation), observation };
    } catch (error) {
      return { metrics, judgeError: `judge: ${(error as Error).message}` };
    }
  }

  private async observe(canary: Canary, context: MetricsContext): Promise<ObservationPair> {
    if (context.runStartedAt === undefined)
      throw new Error('the run start is unknown, so there is nothing to count since');
    const start = new Date(context.runStartedAt);
    if (Number.isNaN(start.getTime()))
      throw new Error(`runStartedAt "${context.runStartedAt}" is not a time`);
    const server =
      canary.spec.metricsServer ??
      (this.sources.local === undefined ? this.sources.metricsServer : undefined);
    if (server === undefined) {
      if (this.sources.local !== undefined)
        return localObservation(canary, this.sources.local, start.getTime());
      throw new Error('no metrics server: set spec.metricsServer on the Canary (or pass --prometheus)');
    }
    const client = new PrometheusClient({ address: server });
    try {
      return await prometheusObservation(canary, client, start, context.now);
    } finally {
      await client.close();
    }
  }
}

export function createMetricsPort(options: MetricsPortOptions): MetricsPort {
  const evaluator = new MetricsEvaluator(options);
  return {
    async evaluate(canary, context): Promise<MetricsEvaluation> {
      const detailed = await evaluator.evaluateDetailed(canary, context);
      const checks = detailed.metrics.map(toOutcome);
      if (detailed.judgeError !== undefined) {
        checks.push({ name: 'judge', kind: 'judge', verdict: 'unknown', message: detailed.judgeError });
      }
      return detailed.judge === undefined ? { checks } : { checks, judge: detailed.judge };
    },
  };
}
