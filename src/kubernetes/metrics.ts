/**
 * The controller's own Prometheus metrics, Flagger's set under `serin_` names, plus per-check
 * values and thresholds and API request counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PHASES, type Canary, type CanaryStatus } from '../api/canary.js';
import type { RequestCounters } from './client.js';
import { canaryNamespace } from './objects.js';

/** Flagger's encoding: 0 Progressing, 2 Failed, 1 everything else (alert on `> 1`). */
export function statusValue(phase: CanaryStatus['phase']): number {
  if (phase === 'Progressing') return 0;
  if (phase === 'Failed') return 2;
  return 1;
}

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly info = new Gauge({
    name: 'serin_info',
    help: 'Serin build information.',
    labelNames: ['version', 'mesh_provider'],
    registers: [this.registry],
  });
  readonly total = new Gauge({
    name: 'serin_canary_total',
    help: 'Number of Canaries per namespace.',
    labelNames: ['namespace'],
    registers: [this.registry],
  });
  readonly status = new Gauge({
    name: 'serin_canary_status',
    help: 'Canary state: 0 Progressing, 1 idle or succeeded, 2 failed or not run (invalid or not supported).',
    labelNames: ['name', 'namespace'],
    registers: [this.registry],
  });
  readonly supported = new Gauge({
    name: 'serin_canary_supported',
    help: '1 when Serin runs the Canary, 0 when it is invalid or uses something Serin does not support (see its Supported condition).',
    labelNames: ['name', 'namespace'],
    registers: [this.registry],
  });
  readonly phase = new Gauge({
    name: 'serin_canary_phase',
    help: '1 for the phase the canary is in.',
    labelNames: ['name', 'namespace', 'phase'],
    registers: [this.registry],
  });
  readonly weight = new Gauge({
    name: 'serin_canary_weight',
    help: 'Traffic weight per workload (primary and canary).',
    labelNames: ['workload', 'namespace'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'serin_canary_duration_seconds',
    help: 'Wall time of one reconcile tick.',
    labelNames: ['name', 'namespace'],
    registers: [this.registry],
  });
  readonly analysis = new Gauge({
    name: 'serin_canary_metric_analysis',
    help: 'Last value of each check.',
    labelNames: ['name', 'namespace', 'metric'],
    registers: [this.registry],
  });
  readonly thresholdMin = new Gauge({
    name: 'serin_canary_metric_threshold_min',
    help: 'Lower bound of each check.',
    labelNames: ['name', 'namespace', 'metric'],
    registers: [this.registry],
  });
  readonly thresholdMax = new Gauge({
    name: 'serin_canary_metric_threshold_max',
    help: 'Upper bound of each check.',
    labelNames: ['name', 'namespace', 'metric'],
    registers: [this.registry],
  });
  readonly successes = new Counter({
    name: 'serin_canary_successes_total',
    help: 'Rollouts that succeeded.',
    labelNames: ['name', 'namespace', 'deployment_strategy', 'analysis_status'],
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: 'serin_canary_failures_total',
    help: 'Rollouts that failed (rolled back or failed promotion).',
    labelNames: ['name', 'namespace', 'deployment_strategy', 'analysis_status'],
    registers: [this.registry],
  });
  readonly tickErrors = new Counter({
    name: 'serin_reconcile_errors_total',
    help: 'Reconcile ticks that ended in an error.',
    labelNames: ['namespace'],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'serin_leader',
    help: '1 when this replica holds the leader lease.',
    registers: [this.registry],
  });
  readonly watchedGroup = new Gauge({
    name: 'serin_canary_group_watched',
    help: 'Canary API groups: 1 when watched and synced, 0 while its CRD is not installed (re-discovered with backoff).',
    labelNames: ['group'],
    registers: [this.registry],
  });

  constructor(version: string, provider: string, requests?: RequestCounters) {
    const counters = requests;
    new Counter({
      name: 'serin_kubernetes_requests_total',
      help: 'Requests made to the Kubernetes API server, by kind (read, write).',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        if (!counters) return;
        this.reset();
        this.inc({ kind: 'read' }, counters.reads);
        this.inc({ kind: 'write' }, counters.writes);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'serin_process_' });
    this.info.set({ version, mesh_provider: provider }, 1);
  }

  /** Records a canary's state after a tick (the `name` label is the target, as in Flagger). */
  observe(
    canary: Canary,
    status: CanaryStatus,
    strategy: string,
    previousPhase: CanaryStatus['phase'],
  ): void {
    const name = canary.spec.targetRef.name;
    const namespace = canaryNamespace(canary);
    this.status.set({ name, namespace }, statusValue(status.phase));
    for (const phase of PHASES) {
      this.phase.set({ name, namespace, phase }, phase === status.phase ? 1 : 0);
    }
    const w = status.canaryWeight ?? 0;
    this.weight.set({ workload: `${name}-primary`, namespace }, 100 - w);
    this.weight.set({ workload: name, namespace }, w);
    for (const check of status.checks ?? []) {
      const labels = { name, namespace, metric: check.name };
      if (check.value !== undefined) this.analysis.set(labels, check.value);
      if (check.min !== undefined) this.thresholdMin.set(labels, check.min);
      if (check.max !== undefined) this.thresholdMax.set(labels, check.max);
    }
    if (previousPhase === status.phase) return;
    const analysisStatus = canary.spec.skipAnalysis === true ? 'skipped' : 'completed';
    const labels = { name, namespace, deployment_strategy: strategy, analysis_status: analysisStatus };
    if (status.phase === 'Succeeded') this.successes.inc(labels);
    if (status.phase === 'Failed') this.failures.inc(labels);
  }

  forget(canary: Canary): void {
    const name = canary.spec.targetRef.name;
    const namespace = canaryNamespace(canary);
    this.status.remove({ name, namespace });
    this.supported.remove({ name, namespace });
    this.weight.remove({ workload: `${name}-primary`, namespace });
    this.weight.remove({ workload: name, namespace });
  }
}
