/**
 * Pacing and evidence, over random seeded tick times with commands, spec edits, new revisions and
 * gate changes interleaved. A failure prints fast-check's seed and path; replay exactly that run
 * with SERIN_FC_SEED=<seed> SERIN_FC_PATH=<path> npx vitest run src/engine/pacing.property.test.ts
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanaryInput, Decision } from '../api/canary.js';
import { judgeValue } from '../analysis/bounds.js';
import { createJudge } from '../analysis/judge/index.js';
import { observeJudge } from '../analysis/metrics-port.js';
import { makeCanary } from './testing/fixtures.js';
import { MemoryWorld } from './testing/memory-world.js';
import type { ControlAction, MetricsEvaluation, Verdict } from './ports.js';

type AnalysisInput = NonNullable<CanaryInput['spec']['analysis']>;

const INTERVAL = 60_000;
const replay = {
  ...(process.env.SERIN_FC_SEED ? { seed: Number(process.env.SERIN_FC_SEED) } : {}),
  ...(process.env.SERIN_FC_PATH ? { path: process.env.SERIN_FC_PATH } : {}),
};

const stepping: fc.Arbitrary<Partial<AnalysisInput>> = fc.oneof(
  fc.record({ stepWeight: fc.integer({ min: 5, max: 50 }), maxWeight: fc.constantFrom(50, 100) }),
  fc
    .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 })
    .map((w) => ({ stepWeights: [...w].sort((x, y) => x - y) })),
  fc.record({ iterations: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    iterations: fc.integer({ min: 1, max: 4 }),
    match: fc.constant<NonNullable<AnalysisInput['match']>>([{ headers: { 'x-user': { exact: 'beta' } } }]),
  }),
);

const analysis = fc
  .record({ stepping, threshold: fc.integer({ min: 1, max: 4 }), mirror: fc.boolean() })
  .map(({ stepping: s, ...rest }) => ({
    ...rest,
    ...s,
    webhooks: [{ name: 'approve', type: 'confirm-traffic-increase' as const, url: 'http://gate/approve' }],
  }));

const action: fc.Arbitrary<ControlAction> = fc.oneof(
  fc.constant<ControlAction>({ type: 'pause' }),
  fc.constant<ControlAction>({ type: 'resume' }),
  fc.constant<ControlAction>({ type: 'retry' }),
  fc.integer({ min: 0, max: 100 }).map((weight): ControlAction => ({ type: 'set-weight', weight })),
);

/** What happens before one tick: time passes (often less than an interval), and maybe an event. */
const event = fc.record({
  delayMs: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: INTERVAL }),
    fc.integer({ min: INTERVAL - 5, max: INTERVAL + 5 }),
    fc.integer({ min: 0, max: 2 * INTERVAL }),
  ),
  happening: fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 1, arbitrary: action.map((a) => ({ kind: 'command' as const, action: a })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'gate' as const }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((t) => ({ kind: 'edit' as const, t })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('rev-2', 'rev-3').map((rev) => ({ kind: 'deploy' as const, rev })),
    },
  ),
});

const verdicts = fc.array(fc.constantFrom<Verdict>('pass', 'pass', 'pass', 'fail', 'unknown'), {
  minLength: 1,
  maxLength: 20,
});

/** Engine-taken steps that need a full interval of evidence (commands are the user's call). */
function isStep(d: Decision): boolean {
  if (d.action === 'Promote') return !d.reason.startsWith('promoted by') && !d.reason.includes('skipped');
  return ['Advance', 'Mirror', 'Switch'].includes(d.action);
}

/** Decisions after which the engine has a new evidence window to fill (a run began). */
const RUN_START = new Set(['NewRevision', 'Restart']);

describe('pacing over random tick times', () => {
  it('no step, promotion or iteration without a full interval of evidence since traffic last changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        analysis,
        verdicts,
        fc.array(event, { minLength: 10, maxLength: 40 }),
        async (a, outcomes, events) => {
          let n = 0;
          let open = true;
          const world = new MemoryWorld(makeCanary(a), {
            metrics: () => {
              const verdict = outcomes[n++ % outcomes.length] ?? 'pass';
              return { checks: [{ name: 'm', kind: 'metric', verdict, message: verdict }] };
            },
            webhooks: (hook) =>
              hook.type === 'confirm-traffic-increase'
                ? { ok: open, status: open ? 200 : 403, message: open ? 'open' : 'closed' }
                : { ok: hook.type !== 'rollback', message: 'ok' },
          });
          await world.tick();
          world.deploy('rev-2');
          let lastChange = world.now.getTime();
          for (const [i, e] of events.entries()) {
            world.wait(e.delayMs);
            const h = e.happening;
            if (h.kind === 'gate') open = !open;
            if (h.kind === 'deploy') world.deploy(h.rev);
            if (h.kind === 'edit' && world.canary.spec.analysis) world.canary.spec.analysis.threshold = h.t;
            const commands = h.kind === 'command' ? [{ id: `c${i}`, action: h.action }] : [];
            const before = { ...world.routes };
            const now = world.now.getTime();
            const { decisions } = await world.tickNow(commands);
            for (const d of decisions.filter(isStep)) {
              expect(
                now - lastChange,
                `${d.action} at +${now - lastChange}ms after traffic changed`,
              ).toBeGreaterThanOrEqual(INTERVAL);
            }
            const moved =
              before.canaryWeight !== world.routes.canaryWeight || before.mirrored !== world.routes.mirrored;
            const iterated = decisions.some((d) => d.action === 'Advance');
            if (moved || iterated || decisions.some((d) => RUN_START.has(d.action))) lastChange = now;
          }
        },
      ),
      { numRuns: 2000, ...replay },
    );
  }, 600_000);
});

/** One generated metrics answer: a value the provider might return, and the judge's counts. */
const answer = fc.record({
  value: fc.oneof(
    fc.double({ min: 0, max: 1000, noNaN: true }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  ),
  canaryRequests: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 })),
  primaryRequests: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 })),
  canaryErrors: fc.integer({ min: 0, max: 5 }),
});

describe('no evidence, no promotion, over generated metric answers', () => {
  it('never steps or promotes on a non-finite value or on an arm with no requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Partial<AnalysisInput>>({ stepWeight: 50 }, { iterations: 2 }),
        fc.boolean(),
        fc.array(answer, { minLength: 5, maxLength: 25 }),
        async (a, withMetric, answers) => {
          let n = 0;
          const totals = { canary: 0, primary: 0, errors: 0 };
          const seen = { blind: false };
          const world = new MemoryWorld(makeCanary({ ...a, threshold: 3, judge: {} }), {
            metrics: (w, context): MetricsEvaluation => {
              const ans = answers[n++ % answers.length] ?? answers[0];
              if (ans === undefined) return { checks: [] };
              totals.canary += ans.canaryRequests;
              totals.primary += ans.primaryRequests;
              totals.errors = Math.min(totals.canary, totals.errors + ans.canaryErrors);
              const judge = createJudge(w.canary.spec.analysis?.judge ?? {}, context.judgeState);
              const verdict = observeJudge(judge, {
                canary: { requests: totals.canary, errors: totals.errors },
                primary: { requests: totals.primary, errors: 0 },
              });
              const metric = judgeValue('request-success-rate', ans.value, { min: 0 });
              seen.blind =
                totals.canary === 0 || totals.primary === 0 || (withMetric && !Number.isFinite(ans.value));
              return { checks: withMetric ? [metric] : [], judge: verdict };
            },
          });
          await world.tick();
          world.deploy('rev-2');
          for (let i = 0; i < answers.length + 5; i++) {
            const evaluations = world.evaluations;
            const { decisions } = await world.tick();
            if (world.evaluations > evaluations && seen.blind) expect(decisions.filter(isStep)).toEqual([]);
          }
        },
      ),
      { numRuns: 500, ...replay },
    );
  }, 600_000);
});
