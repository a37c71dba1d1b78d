/**
 * bench/judge: time-to-detect and false rollbacks of three canary judges over the same synthetic
 * traffic: Flagger's threshold policy (its defaults), a fixed-horizon Mann–Whitney judge in the
 * style of Kayenta, and Serin's sequential judge.
 *
 *   npx tsx bench/judge/main.ts [--runs 1000] [--seed 1] [--horizon 900] [--rps 100]
 *
 * --runs healthy runs per canary weight (regression scenarios get a fifth of that, at least 50).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Random } from '../../src/analysis/judge/sim/random.js';
import { FLAGGER_DEFAULTS, flaggerRollbackAt } from '../../src/analysis/judge/sim/flagger.js';
import { kayentaHigh } from '../../src/analysis/judge/sim/mann-whitney.js';
import { judgeWindows } from '../../src/analysis/judge/sim/run.js';
import {
  healthyScenario,
  simulateTraffic,
  type TrafficScenario,
  type TrafficWindow,
} from '../../src/analysis/judge/sim/traffic.js';

const STEP_SECONDS = 10;
const WEIGHTS = [0.05, 0.1, 0.2, 0.5];
const SCENARIOS = [
  { name: 'healthy', errorFactor: 1, latencyFactor: 1 },
  // Both arms' latency shifts by N(0, 5%) per 10 s window: requests of a window are correlated.
  { name: 'healthy, correlated', errorFactor: 1, latencyFactor: 1, jitter: 0.05 },
  { name: 'errors 2×', errorFactor: 2, latencyFactor: 1 },
  { name: 'errors 5×', errorFactor: 5, latencyFactor: 1 },
  { name: 'errors 10×', errorFactor: 10, latencyFactor: 1 },
  { name: 'latency +20%', errorFactor: 1, latencyFactor: 1.2 },
  { name: 'latency +50%', errorFactor: 1, latencyFactor: 1.5 },
];
// Flagger × 5 is the threshold of Flagger's tutorials; × 1 is Flagger's default when unset.
const JUDGES = ['Flagger (1m × 5)', 'Flagger (1m × 1)', 'Mann-Whitney (fixed)', 'Serin judge'] as const;

function positiveInt(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name}: expected a whole number ≥ ${min}, got "${value}"`);
    process.exit(2);
  }
  return n;
}

function options() {
  let values: { runs: string; seed: string; horizon: string; rps: string };
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: 'string', default: '1000' },
        seed: { type: 'string', default: '1' },
        horizon: { type: 'string', default: '900' },
        rps: { type: 'string', default: '100' },
      },
    }));
  } catch (error) {
    console.error(
      `${(error as Error).message}\nusage: npx tsx bench/judge/main.ts [--runs N] [--seed S] [--horizon SECONDS] [--rps R]`,
    );
    process.exit(2);
  }
  const horizon = positiveInt('horizon', values.horizon, 60);
  if (horizon % 60 !== 0) {
    console.error(`--horizon: expected whole minutes in seconds (e.g. 900), got "${values.horizon}"`);
    process.exit(2);
  }
  return {
    runs: positiveInt('runs', values.runs, 10),
    seed: positiveInt('seed', values.seed, 0),
    horizon,
    rps: positiveInt('rps', values.rps, 1),
  };
}

/** Kayenta style: per-scrape error-rate and latency series of both arms, one judgement at the end. */
function kayentaFails(windows: readonly TrafficWindow[]): boolean {
  const series = (arm: 'canary' | 'primary') => ({
    errorRate: windows.filter((w) => w[arm].requests > 0).map((w) => w[arm].errors / w[arm].requests),
    latency: windows.filter((w) => w[arm].count > 0).map((w) => Math.exp(w[arm].sumLog / w[arm].count)),
  });
  const c = series('canary');
  const p = series('primary');
  return kayentaHigh(c.errorRate, p.errorRate) || kayentaHigh(c.latency, p.latency);
}

type Times = (number | null)[];

function runScenario(scenario: TrafficScenario, runs: number, seed: number, horizon: number): Times[] {
  const rng = new Random(seed);
  const times: Times[] = JUDGES.map(() => []);
  for (let run = 0; run < runs; run++) {
    const windows = [...simulateTraffic(rng, scenario, STEP_SECONDS, horizon)];
    times[0]?.push(flaggerRollbackAt(rng, windows, scenario.canary));
    times[1]?.push(flaggerRollbackAt(rng, windows, scenario.canary, { ...FLAGGER_DEFAULTS, threshold: 1 }));
    times[2]?.push(kayentaFails(windows) ? horizon : null);
    times[3]?.push(judgeWindows(windows, { alpha: 0.05 }).failedAt);
  }
  return times;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}`;
}

function quantile(times: Times, q: number): number {
  const sorted = times.map((t) => t ?? Infinity).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Infinity;
}

const caughtShare = (times: Times) => times.filter((t) => t !== null).length / times.length;
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

function cell(times: Times, healthy: boolean): string {
  if (healthy) return `${percent(caughtShare(times))} false rollbacks`;
  return `${percent(caughtShare(times)).padStart(6)} · ${clock(quantile(times, 0.5))} / ${clock(quantile(times, 0.9))}`;
}

function fiveTimesHeadline(times: Times[]): string[] {
  return JUDGES.map(
    (j, i) =>
      `5× error rate at 10% weight:         ${j.padEnd(20)} median ${clock(quantile(times[i] ?? [], 0.5))}, ` +
      `p90 ${clock(quantile(times[i] ?? [], 0.9))}`,
  );
}

function row(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join(' | ')
    .trimEnd();
}

function main(): void {
  const opts = options();
  const started = process.hrtime.bigint();
  const base = healthyScenario(0.1, opts.rps);
  console.log(
    `bench/judge: ${opts.rps} req/s, primary ${percent(base.primary.errorRate)} errors, lognormal latency ` +
      `(median ${base.primary.latencyMedianMs} ms, σ ${base.primary.latencySigma}), diurnal ±${base.diurnal.amplitude * 100}% ` +
      `load over ${base.diurnal.periodSeconds / 60} min with errors following load; scrapes every ${STEP_SECONDS}s; ` +
      `horizon ${clock(opts.horizon)}; α = 0.05.`,
  );
  console.log(
    'Cells for regressions: share caught within the horizon · median / p90 time to rollback (misses count as never).\n',
  );
  const widths = [26, 30, 30, 30, 30];
  const falseRollbacks: Times[] = JUDGES.map(() => []);
  const headline: string[] = [];
  WEIGHTS.forEach((weight, wi) => {
    console.log(`Canary weight ${weight * 100}%`);
    console.log(row(['scenario (runs)', ...JUDGES], widths));
    console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
    SCENARIOS.forEach((s, si) => {
      const healthy = s.errorFactor === 1 && s.latencyFactor === 1;
      const jitter = 'jitter' in s ? s.jitter : 0;
      const runs = healthy ? opts.runs : Math.max(50, Math.floor(opts.runs / 5));
      const scenario = healthyScenario(weight, opts.rps);
      scenario.canary = {
        ...scenario.canary,
        errorRate: scenario.canary.errorRate * s.errorFactor,
        latencyMedianMs: scenario.canary.latencyMedianMs * s.latencyFactor,
        latencyWindowJitter: jitter,
      };
      scenario.primary = { ...scenario.primary, latencyWindowJitter: jitter };
      const times = runScenario(scenario, runs, opts.seed * 1000 + wi * 100 + si, opts.horizon);
      console.log(row([`${s.name} (${runs})`, ...times.map((t) => cell(t, healthy))], widths));
      if (weight === 0.1 && s.name === 'errors 5×') headline.push(...fiveTimesHeadline(times));
      if (healthy && jitter === 0) times.forEach((t, i) => falseRollbacks[i]?.push(...t));
    });
    console.log('');
  });
  console.log('Headline');
  JUDGES.forEach((j, i) => {
    const t = falseRollbacks[i] ?? [];
    const k = t.filter((x) => x !== null).length;
    console.log(
      `  false rollbacks (healthy), pooled:   ${j.padEnd(20)} ${percent(k / t.length)} (${k} of ${t.length})`,
    );
  });
  for (const h of headline) console.log(`  ${h}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `\n${seconds.toFixed(1)} s on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ` +
      `${new Date().toISOString().slice(0, 10)}; --runs ${opts.runs} --seed ${opts.seed}.`,
  );
}

main();
