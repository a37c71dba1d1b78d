/**
 * bench/judge, shared slowdown: a healthy canary at 10% weight while both versions slow down alike
 * for a while (CPU starvation of the node, a slow shared dependency). Every rollback here is a
 * false rollback. Compared side by side: Flagger's threshold policy (threshold 5, its tutorials'
 * value, and 1, its default when unset), Serin's thresholds with the noise guard (same bounds,
 * threshold 5, unknown budget 5), and the Serin judge.
 *
 *   npx tsx bench/judge/shared-slowdown.ts [--runs 400] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { FLAGGER_DEFAULTS, sampleP99 } from '../../src/analysis/judge/sim/flagger.js';
import { Random } from '../../src/analysis/judge/sim/random.js';
import { judgeWindows } from '../../src/analysis/judge/sim/run.js';
import {
  healthyScenario,
  simulateTraffic,
  type ArmBehaviour,
  type ArmWindow,
  type TrafficWindow,
} from '../../src/analysis/judge/sim/traffic.js';
import { sameDegree } from '../../src/analysis/noise-guard.js';

const HORIZON = 900;
const STEP = 10;
const EPISODE_START = 180;
const EPISODES = [
  { name: 'CPU starvation ×4, 2 min', factor: 4, seconds: 120 },
  { name: 'CPU starvation ×4, 5 min', factor: 4, seconds: 300 },
  { name: 'slow dependency ×10, 8 min', factor: 10, seconds: 480 },
];
const POLICIES = ['Flagger (1m × 5)', 'Flagger (1m × 1)', 'Serin thresholds + noise guard', 'Serin judge'];

interface Episode {
  factor: number;
  seconds: number;
}

const inEpisode = (t: number, e: Episode) => t > EPISODE_START && t <= EPISODE_START + e.seconds;

/** A window's latencies multiplied by `k`: log-latencies shift by ln k. */
function slowed(w: ArmWindow, k: number): ArmWindow {
  const c = Math.log(k);
  return {
    ...w,
    sumLog: w.sumLog + w.count * c,
    sumLogSquares: w.sumLogSquares + 2 * c * w.sumLog + w.count * c * c,
    sumMs: w.sumMs * k,
  };
}

function withEpisode(windows: TrafficWindow[], e: Episode): TrafficWindow[] {
  return windows.map((w) =>
    inEpisode(w.end, e)
      ? { ...w, canary: slowed(w.canary, e.factor), primary: slowed(w.primary, e.factor) }
      : w,
  );
}

interface Interval {
  end: number;
  canary: { requests: number; errors: number };
  primary: { requests: number; errors: number };
  slow: boolean;
}

function intervals(windows: TrafficWindow[], e: Episode): Interval[] {
  const out: Interval[] = [];
  let acc: Interval | undefined;
  for (const w of windows) {
    acc ??= { end: 0, canary: { requests: 0, errors: 0 }, primary: { requests: 0, errors: 0 }, slow: false };
    acc.canary.requests += w.canary.requests;
    acc.canary.errors += w.canary.errors;
    acc.primary.requests += w.primary.requests;
    acc.primary.errors += w.primary.errors;
    acc.slow ||= inEpisode(w.end, e);
    if (Math.round(w.end) % FLAGGER_DEFAULTS.intervalSeconds === 0) {
      out.push({ ...acc, end: w.end });
      acc = undefined;
    }
  }
  return out;
}

const successRate = (arm: { requests: number; errors: number }) =>
  arm.requests === 0 ? Number.NaN : 100 * (1 - arm.errors / arm.requests);

interface Reading {
  canaryRate: number;
  primaryRate: number;
  canaryP99: number;
  primaryP99: number;
}

function read(rng: Random, i: Interval, arm: ArmBehaviour, e: Episode): Reading {
  const a = i.slow ? { ...arm, latencyMedianMs: arm.latencyMedianMs * e.factor } : arm;
  return {
    canaryRate: successRate(i.canary),
    primaryRate: successRate(i.primary),
    canaryP99: i.canary.requests > 0 ? sampleP99(rng, i.canary.requests, a) : Number.NaN,
    primaryP99: i.primary.requests > 0 ? sampleP99(rng, i.primary.requests, a) : Number.NaN,
  };
}

/** Flagger: a failed check (or no data) adds one; rollback at the tick after the budget is spent. */
function flagger(readings: Reading[], threshold: number): boolean {
  let failed = 0;
  for (const r of readings) {
    if (failed >= threshold) return true;
    const fails =
      !Number.isFinite(r.canaryRate) ||
      r.canaryRate < FLAGGER_DEFAULTS.successRateMin ||
      r.canaryP99 > FLAGGER_DEFAULTS.durationP99MaxMs;
    if (fails) failed++;
  }
  return failed >= threshold;
}

/** Serin: the same bounds; a failure the primary shares to the same degree is environmental. */
function serinGuarded(readings: Reading[], threshold: number): boolean {
  let failed = 0;
  let unknown = 0;
  const rate = { min: FLAGGER_DEFAULTS.successRateMin };
  const p99 = { max: FLAGGER_DEFAULTS.durationP99MaxMs };
  for (const r of readings) {
    if (!Number.isFinite(r.canaryRate) || !Number.isFinite(r.canaryP99)) unknown++;
    else {
      const rateFails = r.canaryRate < rate.min;
      const p99Fails = r.canaryP99 > p99.max;
      const blamed =
        (rateFails && !sameDegree(r.canaryRate, r.primaryRate, rate)) ||
        (p99Fails && !sameDegree(r.canaryP99, r.primaryP99, p99));
      if (blamed) failed++;
      else if (rateFails || p99Fails) unknown++;
    }
    if (failed >= threshold || unknown >= threshold) return true;
  }
  return false;
}

function main(): void {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '400' }, seed: { type: 'string', default: '1' } },
  });
  const runs = Number(values.runs);
  const seed = Number(values.seed);
  if (!Number.isInteger(runs) || runs < 10 || !Number.isInteger(seed)) {
    console.error('usage: npx tsx bench/judge/shared-slowdown.ts [--runs N ≥ 10] [--seed S]');
    process.exit(2);
  }
  console.log(
    `bench/judge shared slowdown: healthy canary at 10% weight, 100 req/s, both versions slowed alike from ` +
      `minute ${EPISODE_START / 60}; horizon ${HORIZON / 60} min; ${runs} runs per row, seed ${seed}. ` +
      'Cells: false rollbacks.\n',
  );
  const widths = [28, 18, 18, 32, 14];
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  console.log(line(['episode', ...POLICIES]));
  console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
  EPISODES.forEach((e, ei) => {
    const rng = new Random(seed * 1000 + ei);
    const counts = POLICIES.map(() => 0);
    const scenario = healthyScenario(0.1, 100);
    for (let run = 0; run < runs; run++) {
      const windows = withEpisode([...simulateTraffic(rng, scenario, STEP, HORIZON)], e);
      const readings = intervals(windows, e).map((i) => read(rng, i, scenario.canary, e));
      const outcomes = [
        flagger(readings, 5),
        flagger(readings, 1),
        serinGuarded(readings, 5),
        judgeWindows(windows, { alpha: 0.05 }).failedAt !== null,
      ];
      outcomes.forEach((rolledBack, i) => {
        if (rolledBack) counts[i] = (counts[i] ?? 0) + 1;
      });
    }
    console.log(line([e.name, ...counts.map((k) => `${((100 * k) / runs).toFixed(1)}%`)]));
  });
}

main();
