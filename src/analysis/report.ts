/** What `serin analyze` prints: one row per metric, the queries, and the judge's evidence. */
import type { Canary } from '../api/canary.js';
import type { Verdict } from '../engine/ports.js';
import { redactUrl } from './redact.js';
import type { DetailedEvaluation } from './metrics-port.js';
import type { MetricPlan } from './metric-checks.js';

export interface MetricReport {
  name: string;
  kind: MetricPlan['kind'];
  source: string;
  /** For a built-in: whose queries ran (Flagger's observer: istio, nginx, linkerd, ...). */
  observer?: string;
  address?: string;
  interval: string;
  query?: string;
  verdict?: Verdict;
  value?: number;
  min?: number;
  max?: number;
  message?: string;
}

export interface CanaryReport {
  canary: string;
  time: string;
  metrics: MetricReport[];
  judge?: { verdict: string; reason: string; evidence: Record<string, unknown> };
  judgeError?: string;
}

function planReport(plan: MetricPlan): MetricReport {
  return {
    name: plan.name,
    kind: plan.kind,
    source: plan.source,
    ...(plan.observer !== undefined ? { observer: plan.observer } : {}),
    ...(plan.address !== undefined ? { address: redactUrl(plan.address) } : {}),
    interval: plan.interval,
    ...(plan.query !== undefined ? { query: plan.query } : {}),
    ...(plan.error !== undefined ? { verdict: 'unknown' as const, message: plan.error } : {}),
  };
}

export function dryRunReport(canary: Canary, plans: readonly MetricPlan[], time: Date): CanaryReport {
  return {
    canary: `${canary.metadata.namespace ?? 'default'}/${canary.metadata.name}`,
    time: time.toISOString(),
    metrics: plans.map(planReport),
  };
}

export function evaluationReport(canary: Canary, evaluation: DetailedEvaluation, time: Date): CanaryReport {
  const report: CanaryReport = {
    canary: `${canary.metadata.namespace ?? 'default'}/${canary.metadata.name}`,
    time: time.toISOString(),
    metrics: evaluation.metrics.map((m) => ({
      ...planReport(m.plan),
      verdict: m.verdict,
      ...(m.value !== undefined ? { value: m.value } : {}),
      ...(m.min !== undefined ? { min: m.min } : {}),
      ...(m.max !== undefined ? { max: m.max } : {}),
      message: m.message,
    })),
  };
  if (evaluation.judge !== undefined) {
    const { verdict, reason, evidence } = evaluation.judge;
    report.judge = { verdict, reason, evidence };
  }
  if (evaluation.judgeError !== undefined) report.judgeError = evaluation.judgeError;
  return report;
}

function formatValue(value: number | undefined): string {
  if (value === undefined) return '-';
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

function formatBounds(m: MetricReport): string {
  const parts = [m.min !== undefined ? `>= ${m.min}` : '', m.max !== undefined ? `<= ${m.max}` : ''].filter(
    (p) => p !== '',
  );
  return parts.length === 0 ? '-' : parts.join(', ');
}

export function reportRows(report: CanaryReport): string[][] {
  return report.metrics.map((m) => [
    m.name,
    m.source,
    m.interval,
    formatValue(m.value),
    formatBounds(m),
    m.verdict ?? '-',
  ]);
}

export function reportDetails(report: CanaryReport, dryRun: boolean): string {
  const lines: string[] = [];
  for (const m of report.metrics) {
    const where = m.address !== undefined ? ` ${m.address}` : '';
    lines.push(`${m.name} (${m.source}${where}):`);
    if (m.query !== undefined) lines.push(`  ${m.query.trim()}`);
    if (!dryRun || m.verdict === 'unknown') if (m.message !== undefined) lines.push(`  → ${m.message}`);
  }
  if (report.judge !== undefined) {
    lines.push(`judge: ${report.judge.verdict}: ${report.judge.reason}`);
    lines.push(`  evidence: ${JSON.stringify(report.judge.evidence)}`);
  }
  if (report.judgeError !== undefined) lines.push(`judge: unknown: ${report.judgeError}`);
  return `${lines.join('\n')}\n`;
}
