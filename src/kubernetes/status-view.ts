/** Text views of Canaries for the CLI: the `get canaries` table rows and the `status` progress view. */
import { CanaryDocument, type CanaryStatus } from '../api/canary.js';
import { checksOfRun, healthOfRun } from '../api/current-run.js';
import { rolloutPlan } from '../engine/plan.js';
import { describeHealth } from '../engine/workload-health.js';
import type { CanaryObject } from './cli-support.js';

interface StatusLike {
  phase?: string;
  canaryWeight?: number;
  failedChecks?: number;
  iterations?: number;
  lastTransitionTime?: string;
  mirrored?: boolean;
  paused?: boolean;
  checks?: {
    name: string;
    verdict: string;
    value?: number;
    min?: number;
    max?: number;
    message?: string;
    time?: string;
  }[];
  decisions?: { time: string; phase: string; action: string; reason: string; canaryWeight?: number }[];
  conditions?: { type: string; status: string; message?: string }[];
}

const statusOf = (c: CanaryObject): StatusLike => c.status ?? {};

function analysisOf(c: CanaryObject): Record<string, unknown> {
  const spec = c.spec ?? {};
  const a = spec.analysis ?? spec.canaryAnalysis;
  return typeof a === 'object' && a !== null ? (a as Record<string, unknown>) : {};
}

export function strategyName(c: CanaryObject): string {
  const a = analysisOf(c);
  const iterations = typeof a.iterations === 'number' ? a.iterations : 0;
  if (iterations > 0 && Array.isArray(a.match) && a.match.length > 0) return 'ab-testing';
  if (iterations > 0) return 'blue-green';
  return a.mirror === true ? 'canary+mirror' : 'canary';
}

/** `5m`, `3h`, `2d` like kubectl's AGE column. */
export function age(iso: string | undefined, now: Date): string {
  if (iso === undefined) return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function tableHeaders(allNamespaces: boolean, wide: boolean): string[] {
  return [
    ...(allNamespaces ? ['namespace'] : []),
    'name',
    // serin.dev and flagger.app Canaries share the plural `canaries`: the group tells them apart.
    'group',
    'status',
    'weight',
    ...(wide ? ['failedchecks', 'iterations', 'strategy', 'target'] : []),
    'lasttransitiontime',
  ];
}

export function tableRow(c: CanaryObject, allNamespaces: boolean, wide: boolean): string[] {
  const s = statusOf(c);
  const target = (c.spec?.targetRef as { name?: string } | undefined)?.name ?? '';
  return [
    ...(allNamespaces ? [c.metadata.namespace ?? ''] : []),
    c.metadata.name,
    (c.apiVersion ?? '').split('/')[0] ?? '',
    s.phase ?? 'Pending',
    String(s.canaryWeight ?? 0),
    ...(wide ? [String(s.failedChecks ?? 0), String(s.iterations ?? 0), strategyName(c), target] : []),
    s.lastTransitionTime ?? '',
  ];
}

export function weightBar(weight: number, width = 40): string {
  const w = Math.max(0, Math.min(100, weight));
  const filled = Math.round((w / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${w}% canary / ${100 - w}% primary`;
}

function checkLine(c: NonNullable<StatusLike['checks']>[number]): string {
  const bounds = [c.min === undefined ? '' : `min ${c.min}`, c.max === undefined ? '' : `max ${c.max}`]
    .filter(Boolean)
    .join(', ');
  const value = c.value === undefined ? '' : ` = ${c.value}`;
  return `  ${c.verdict.toUpperCase().padEnd(7)} ${c.name}${value}${bounds ? ` (${bounds})` : ''}${c.message ? ` — ${c.message}` : ''}`;
}

/** `10% 20% [30%] 40% 50% promote, promotion in about 40s`: the engine's plan, the current step bracketed. */
export function planLine(c: CanaryObject, now: Date): string | undefined {
  const parsed = CanaryDocument.safeParse(c);
  if (!parsed.success) return undefined;
  const plan = rolloutPlan(parsed.data, parsed.data.status, now);
  const steps = plan.steps.map((step, i) => (i === plan.current ? `[${step.label}]` : step.label)).join(' ');
  const eta =
    plan.promotionEta === undefined
      ? `no estimate: ${plan.noEtaReason ?? 'unknown'}`
      : `promotion in about ${age(now.toISOString(), new Date(plan.promotionEta))}`;
  return `${steps}; ${eta}`;
}

/** The live progress view of `serin status`. */
export function renderStatus(c: CanaryObject, now: Date): string {
  const s = statusOf(c);
  const lines = [
    `Canary ${c.metadata.namespace ?? ''}/${c.metadata.name} (${c.apiVersion ?? ''}, ${strategyName(c)})`,
    `Phase:   ${s.phase ?? 'Pending'}${s.paused === true ? ' (paused)' : ''}${s.mirrored === true ? ' (mirroring)' : ''}`,
    `Weight:  ${weightBar(s.canaryWeight ?? 0)}`,
    `Checks:  ${s.failedChecks ?? 0} failed, iteration ${s.iterations ?? 0}, last transition ${age(s.lastTransitionTime, now)} ago`,
  ];
  const plan = planLine(c, now);
  if (plan !== undefined) lines.push(`Plan:    ${plan}`);
  const run: CanaryStatus | undefined = c.status;
  for (const side of ['primary', 'canary'] as const) {
    const health = run === undefined ? undefined : healthOfRun(run, side);
    if (health !== undefined)
      lines.push(`${side === 'primary' ? 'Primary:' : 'Canary: '} ${describeHealth(health)}`);
  }
  // Checks of an earlier run (an aborted one, say) are history, not the current verdict.
  const checks = (run === undefined ? [] : checksOfRun(run)).slice(-6);
  if (checks.length > 0) lines.push('Last checks:', ...checks.map(checkLine));
  const decisions = (s.decisions ?? []).slice(-6);
  if (decisions.length > 0) {
    lines.push('Decisions:');
    for (const d of decisions) {
      lines.push(
        `  ${d.time}  ${d.phase.padEnd(16)} ${d.action}${d.canaryWeight === undefined ? '' : ` (weight ${d.canaryWeight})`}: ${d.reason}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
