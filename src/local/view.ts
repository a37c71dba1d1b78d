import pc from 'picocolors';
import { healthOfRun } from '../api/current-run.js';
import { describeHealth } from '../engine/workload-health.js';
import type { CanaryView, RuntimeEvent, VersionView } from './runtime.js';

export interface ViewOptions {
  write: (text: string) => void;
  /** One JSON object per line instead of text. */
  json: boolean;
  color: boolean;
  /** Reprint an unchanged status line at most this often (ms). */
  repeatMs?: number;
}

const BAR_WIDTH = 20;

/** `[█████░░░░░░░░░░░░░░░]`: the canary's share of traffic, filled from the left. */
export function weightBar(canaryWeight: number, width = BAR_WIDTH): string {
  const filled = Math.round((Math.max(0, Math.min(100, canaryWeight)) / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

const fixed = (value: number | undefined, digits: number, unit = '') =>
  value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(digits)}${unit}`;

function versionText(label: string, v: VersionView): string {
  return `${label} ${v.version} ${v.readyReplicas}/${v.replicas} ready  ok ${fixed(v.successRate, 1, '%')}  p99 ${fixed(v.p99Ms, 0, 'ms')}  ${fixed(v.requestsPerSecond, 0)} rps`;
}

/** Why the canary cannot serve, in this run (`CrashLoopBackOff, 0/1 ready, ... last exit: exit code 3`). */
export function canaryTrouble(view: CanaryView): string | undefined {
  const health = healthOfRun(view.status, 'canary');
  return health?.reason === undefined || health.ready >= health.desired ? undefined : describeHealth(health);
}

function time(iso?: string): string {
  return (iso ?? new Date().toISOString()).slice(11, 19);
}

/** The text of one status line (phase, weight bar, success rate and latency per version). */
export function statusLine(view: CanaryView, color: boolean): string {
  const c = color
    ? pc
    : { bold: String, green: String, red: String, yellow: String, dim: String, cyan: String };
  const phaseColor =
    view.phase === 'Succeeded'
      ? c.green
      : view.phase === 'Failed'
        ? c.red
        : view.phase === 'Progressing'
          ? c.cyan
          : c.yellow;
  const mirror = view.mirrored ? ' +mirror' : '';
  const paused = view.paused ? ' (paused)' : '';
  const parts = [
    c.dim(time()),
    c.bold(`${view.namespace}/${view.name}`),
    phaseColor(view.phase.padEnd(16)) + paused,
    `${weightBar(view.canaryWeight)} ${String(view.canaryWeight).padStart(3)}%${mirror}`,
    versionText('primary', view.primary),
    '|',
    versionText('canary', view.canary),
    view.failedChecks > 0 ? c.red(`failed checks ${view.failedChecks}`) : '',
    trouble(view, c.red),
  ];
  return parts.filter((p) => p !== '').join('  ');
}

function trouble(view: CanaryView, red: (s: string) => string): string {
  const text = canaryTrouble(view);
  return text === undefined ? '' : red(`canary unhealthy: ${text}`);
}

/**
 * What `serin run` shows: every event (each decision with its reason) as a line, and a status line
 * whenever the phase, the weight or the numbers change. With `json`, one object per line instead.
 */
export function createView(options: ViewOptions): (event: RuntimeEvent) => void {
  const last = new Map<string, { text: string; at: number; key: string }>();
  const c = options.color ? pc : { red: String, yellow: String, dim: String };
  return (event) => {
    if (options.json) {
      const payload =
        event.type === 'status'
          ? { type: 'status', time: new Date().toISOString(), canary: { ...event.canary, status: undefined } }
          : { time: new Date().toISOString(), ...event };
      options.write(`${JSON.stringify(payload)}\n`);
      return;
    }
    if (event.type === 'event') {
      const e = event.event;
      const reason = e.type === 'Warning' ? c.yellow(e.reason) : e.reason;
      const by = e.by ? c.dim(` (by ${e.by})`) : '';
      options.write(`${c.dim(time(e.time))}  ${e.namespace}/${e.name}  ${reason}: ${e.message}${by}\n`);
      return;
    }
    if (event.type === 'manifest') {
      options.write(`${c.dim(time())}  ${event.ok ? event.message : c.red(event.message)}\n`);
      return;
    }
    const view = event.canary;
    const key = `${view.namespace}/${view.name}`;
    const text = statusLine(view, options.color);
    const stateKey = `${view.phase}|${view.canaryWeight}|${view.mirrored}|${view.paused}|${view.failedChecks}|${healthOfRun(view.status, 'canary')?.reason ?? ''}`;
    const prev = last.get(key);
    const now = Date.now();
    if (prev?.key === stateKey && now - prev.at < (options.repeatMs ?? 5000)) return;
    last.set(key, { text, at: now, key: stateKey });
    options.write(`${text}\n`);
  };
}
