import { describe, expect, it } from 'vitest';
import { makeCanary } from './testing/fixtures.js';
import { isSettled, MemoryWorld, runUntil, type TraceRow } from './testing/memory-world.js';
import type { MetricsEvaluation } from './ports.js';

/** Initializes, deploys rev-2 and returns the world ready for a run. */
async function initialized(world: MemoryWorld): Promise<MemoryWorld> {
  await world.tick();
  expect(world.status.phase).toBe('Initialized');
  world.deploy('rev-2');
  return world;
}

const primaryWeights = (trace: TraceRow[]) =>
  trace.map((r) => r.primaryWeight).filter((w, i, all) => i === 0 || all[i - 1] !== w);
const phases = (trace: TraceRow[]) => trace.map((r) => `${r.phase} w${r.canaryWeight}`);
const failing = (message = 'success rate 80 < 99'): MetricsEvaluation => ({
  checks: [{ name: 'request-success-rate', kind: 'metric', verdict: 'fail', value: 80, min: 99, message }],
});

describe('initialization', () => {
  it('creates the primary, routes all traffic to it, stops the target and records the revision', async () => {
    const world = new MemoryWorld(makeCanary({ stepWeight: 10 }));
    const result = await world.tick();
    expect(result.changed).toBe(true);
    expect(world.status).toMatchObject({
      phase: 'Initialized',
      lastAppliedSpec: 'rev-1',
      lastPromotedSpec: 'rev-1',
    });
    expect(world.calls).toEqual(['initialize(true)', 'scaleCanaryDown']);
    expect(world.status.conditions?.[0]).toMatchObject({
      type: 'Promoted',
      status: 'True',
      reason: 'Initialized',
    });
    expect(world.alerts).toEqual([
      { severity: 'info', message: 'New workload detected, initialization completed.' },
    ]);
  });

  it('waits for the primary, and fails when it stays unready past the progress deadline', async () => {
    const world = new MemoryWorld(makeCanary({ stepWeight: 10 }, { progressDeadlineSeconds: 150 }), {
      primaryReady: () => ({ ready: false, retriable: true, message: '0/1 replicas available' }),
    });
    const trace = await runUntil(world, isSettled);
    // not ready at 0s, 60s, 120s; past the 150s deadline at 180s
    expect(trace.map((r) => r.phase)).toEqual(['Initializing', 'Initializing', 'Initializing', 'Failed']);
    expect(world.alerts.at(-1)?.severity).toBe('error');
    expect(world.status.decisions?.at(-1)?.reason).toContain('progress deadline of 150s exceeded');
  });

  it('is idle without a new revision: no status write, no traffic change', async () => {
    const world = new MemoryWorld(makeCanary({ stepWeight: 10 }));
    await world.tick();
    const writes = world.statusWrites;
    for (let i = 0; i < 5; i++) expect((await world.tick()).changed).toBe(false);
    expect(world.statusWrites).toBe(writes);
    expect(world.routeWrites).toBe(0);
  });
});

describe('canary strategy (Flagger weight vectors)', () => {
  it('stepWeight 20 / maxWeight 50 gives primary weights 100, 80, 60, 40 then promotion', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 20, maxWeight: 50 })));
    const trace = await runUntil(world, isSettled);
    expect(primaryWeights(trace)).toEqual([100, 80, 60, 40, 100]);
    expect(trace.at(-1)?.phase).toBe('Succeeded');
    expect(trace.map((r) => r.phase)).toContain('Promoting');
    expect(world.primarySpecHash).toBe('rev-2');
    expect(world.status.lastPromotedSpec).toBe('rev-2');
  });

  it('stepWeight 50 / maxWeight 100 gives 100, 50, 0', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 50, maxWeight: 100 })));
    const trace = await runUntil(world, (w) => w.status.phase === 'Promoting');
    expect(primaryWeights(trace)).toEqual([100, 50, 0]);
  });

  it('stepWeights [1, 2, 10, 80] gives 100, 99, 98, 90, 20', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeights: [1, 2, 10, 80] })));
    const trace = await runUntil(world, (w) => w.status.phase === 'Promoting');
    expect(primaryWeights(trace)).toEqual([100, 99, 98, 90, 20]);
  });

  it('stepWeight 100 with stepWeightPromotion 50 walks the promotion in steps', async () => {
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 100, stepWeightPromotion: 50 })),
    );
    const trace = await runUntil(world, isSettled);
    expect(phases(trace)).toEqual([
      'Progressing w0',
      'Progressing w100',
      'Promoting w100',
      'Promoting w50',
      'Finalising w0',
      'Succeeded w0',
    ]);
  });

  it('runs pre-rollout hooks at weight 0 and no metrics before traffic reaches the canary', async () => {
    const canary = makeCanary({
      stepWeight: 50,
      webhooks: [{ name: 'smoke', type: 'pre-rollout', url: 'http://tester/' }],
    });
    const world = await initialized(new MemoryWorld(canary));
    await world.tick(); // Progressing, canary scaled up
    expect(world.evaluations).toBe(0);
    await world.tick(); // pre-rollout, then 50%
    expect(world.hookCalls.map((h) => h.type)).toEqual(['pre-rollout']);
    expect(world.evaluations).toBe(0);
    expect(world.routes.canaryWeight).toBe(50);
    await world.tick();
    expect(world.evaluations).toBe(1);
  });

  it('mirrors on its first analysis tick (100/0 mirrored), then moves to 90/10 unmirrored', async () => {
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 10, maxWeight: 20, mirror: true })),
    );
    const trace = await runUntil(world, (w) => w.status.phase === 'Promoting');
    expect(trace.slice(0, 3).map((r) => [r.primaryWeight, r.canaryWeight, r.mirrored])).toEqual([
      [100, 0, false],
      [100, 0, true],
      [90, 10, false],
    ]);
  });

  it('a new revision at 90/10 resets to 100/0, Progressing, counters zeroed', async () => {
    let fail = false;
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 10 }), { metrics: () => (fail ? failing() : { checks: [] }) }),
    );
    await runUntil(world, (w) => w.routes.canaryWeight === 10);
    fail = true;
    await world.tick();
    expect(world.status.failedChecks).toBe(1);
    fail = false;
    world.deploy('rev-3');
    await world.tick();
    expect(world.routes).toEqual({ primaryWeight: 100, canaryWeight: 0, mirrored: false });
    expect(world.status).toMatchObject({
      phase: 'Progressing',
      failedChecks: 0,
      iterations: 0,
      canaryWeight: 0,
      lastAppliedSpec: 'rev-3',
    });
  });

  it('a primary failing during Promoting ends Failed with all traffic on the canary', async () => {
    let promoted = false;
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 50 }), {
        primaryReady: (w) =>
          promoted && w.primarySpecHash === 'rev-2'
            ? { ready: false, retriable: false, message: 'ProgressDeadlineExceeded' }
            : { ready: true, retriable: true, message: 'ready' },
      }),
    );
    await runUntil(world, (w) => w.status.phase === 'Promoting');
    promoted = true;
    await world.tick();
    expect(world.status.phase).toBe('Failed');
    expect(world.routes).toEqual({ primaryWeight: 0, canaryWeight: 100, mirrored: false });
    expect(world.canaryReplicas).toBe(1);
    expect(world.alerts.at(-1)).toEqual({
      severity: 'error',
      message: 'Promotion failed, primary not ready: ProgressDeadlineExceeded',
    });
  });
});

describe('failed checks and rollback', () => {
  it('holds the weight on a failed check and rolls back when the budget is spent', async () => {
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 10, threshold: 3 }), {
        metrics: (w) => (w.routes.canaryWeight >= 20 ? failing() : { checks: [] }),
      }),
    );
    const trace = await runUntil(world, isSettled);
    const atTwenty = trace.filter((r) => r.canaryWeight === 20).map((r) => r.failedChecks);
    expect(atTwenty).toEqual([0, 1, 2]);
    expect(world.status.phase).toBe('Failed');
    expect(world.routes).toEqual({ primaryWeight: 100, canaryWeight: 0, mirrored: false });
    expect(world.canaryReplicas).toBe(0);
    expect(world.alerts.at(-1)?.severity).toBe('error');
    expect(world.status.decisions?.at(-1)?.reason).toContain(
      'failed checks threshold reached 3/3: success rate 80 < 99',
    );
    expect(world.status.checks?.at(-1)).toMatchObject({
      name: 'request-success-rate',
      verdict: 'fail',
      value: 80,
      min: 99,
    });
  });

  it('never promotes a failed revision again until the target changes, and retry re-runs it', async () => {
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 50, threshold: 1 }), { metrics: () => failing() }),
    );
    await runUntil(world, isSettled);
    expect(world.status.phase).toBe('Failed');
    for (let i = 0; i < 3; i++) expect((await world.tick()).changed).toBe(false);
    world.script.metrics = undefined;
    await world.tick([{ id: 'c1', action: { type: 'retry' }, by: 'alice' }]);
    expect(world.status.phase).toBe('Progressing');
    await runUntil(world, isSettled);
    expect(world.status.phase).toBe('Succeeded');
  });

  it('rolls back at once when a rollback hook answers yes', async () => {
    const canary = makeCanary({
      stepWeight: 10,
      webhooks: [{ name: 'big-red-button', type: 'rollback', url: 'http://gate/rollback/check' }],
    });
    let pressed = false;
    const world = await initialized(
      new MemoryWorld(canary, {
        webhooks: (hook) => ({
          ok: hook.type === 'rollback' ? pressed : true,
          message: pressed ? 'open' : 'closed',
        }),
      }),
    );
    await runUntil(world, (w) => w.routes.canaryWeight === 20);
    pressed = true;
    await world.tick();
    expect(world.status.phase).toBe('Failed');
    expect(world.status.decisions?.at(-1)?.reason).toBe('a rollback hook asked for it');
  });

  it('rolls back a canary that never becomes ready, and alerts', async () => {
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 10 }, { progressDeadlineSeconds: 120 }), {
        canaryReady: () => ({ ready: false, retriable: true, message: 'ImagePullBackOff' }),
      }),
    );
    const trace = await runUntil(world, isSettled);
    expect(trace.at(-1)?.phase).toBe('Failed');
    expect(world.alerts.at(-1)?.message).toContain(
      'canary not ready: ImagePullBackOff (progress deadline of 120s exceeded)',
    );
  });
});

describe('unknown is not bad', () => {
  const unknown: MetricsEvaluation = {
    checks: [{ name: 'request-duration', kind: 'metric', verdict: 'unknown', message: 'no values found' }],
  };

  it('never advances on unknown and spends its own budget (serin.dev)', async () => {
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 10, threshold: 2, unknownThreshold: 4 }), {
        metrics: (w) => (w.routes.canaryWeight >= 10 ? unknown : { checks: [] }),
      }),
    );
    const trace = await runUntil(world, isSettled);
    expect(Math.max(...trace.map((r) => r.canaryWeight))).toBe(10);
    expect(world.status.failedChecks).toBe(0);
    expect(world.status.unknownChecks).toBe(4);
    expect(world.status.phase).toBe('Failed');
    expect(world.status.decisions?.at(-1)?.reason).toContain(
      'could not measure the canary 4/4 times: no values found',
    );
  });

  it('counts unknown as failed for Flagger documents', async () => {
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 10, threshold: 2 }, {}, 'flagger.app/v1beta1'), {
        metrics: (w) => (w.routes.canaryWeight >= 10 ? unknown : { checks: [] }),
      }),
    );
    await runUntil(world, isSettled);
    expect(world.status.failedChecks).toBe(2);
    expect(world.status.unknownChecks ?? 0).toBe(0);
  });
});

describe('blue/green, A/B and skipAnalysis', () => {
  it('blue/green: N iterations at 100/0, then all traffic to green, then promote', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ iterations: 3 })));
    const trace = await runUntil(world, isSettled);
    expect(trace.map((r) => `${r.phase} ${r.primaryWeight}/${r.canaryWeight} i${r.iterations}`)).toEqual([
      'Progressing 100/0 i0',
      'Progressing 100/0 i1',
      'Progressing 100/0 i2',
      'Progressing 100/0 i3',
      'Progressing 0/100 i4',
      'Promoting 0/100 i4',
      'Finalising 100/0 i4',
      'Succeeded 100/0 i4',
    ]);
    expect(world.evaluations).toBe(4);
  });

  it('blue/green with mirror mirrors for the whole run', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ iterations: 2, mirror: true })));
    const trace = await runUntil(world, (w) => w.routes.canaryWeight === 100);
    expect(trace.slice(1, 3).every((r) => r.mirrored)).toBe(true);
    expect(trace.at(-1)?.mirrored).toBe(false);
  });

  it('A/B: matched traffic goes 100% to the canary for N iterations, then promote', async () => {
    const canary = makeCanary({ iterations: 2, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] });
    const world = await initialized(new MemoryWorld(canary));
    const trace = await runUntil(world, isSettled);
    expect(trace.map((r) => `${r.phase} ${r.primaryWeight}/${r.canaryWeight} i${r.iterations}`)).toEqual([
      'Progressing 100/0 i0',
      'Progressing 0/100 i1',
      'Progressing 0/100 i2',
      'Promoting 0/100 i2',
      'Finalising 100/0 i2',
      'Succeeded 100/0 i2',
    ]);
    expect(world.evaluations).toBe(2);
  });

  it('skipAnalysis promotes once the canary is ready, with no checks', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 10 }, { skipAnalysis: true })));
    const trace = await runUntil(world, isSettled);
    expect(trace.map((r) => r.phase)).toEqual(['Progressing', 'Promoting', 'Finalising', 'Succeeded']);
    expect(world.evaluations).toBe(0);
    expect(world.alerts.at(-1)?.message).toContain('analysis skipped');
  });
});

describe('revisions', () => {
  it('reverting the target to the promoted spec starts nothing', async () => {
    const world = new MemoryWorld(makeCanary({ stepWeight: 50 }));
    await world.tick();
    world.deploy('rev-2');
    await runUntil(world, isSettled);
    expect(world.status.lastPromotedSpec).toBe('rev-2');
    world.deploy('rev-2');
    expect((await world.tick()).changed).toBe(false);
    expect(world.status.phase).toBe('Succeeded');
  });

  it('a change of a tracked config is a new revision', async () => {
    const world = new MemoryWorld(makeCanary({ stepWeight: 50 }));
    world.configs = { 'configmap/podinfo-config': 'aaaa' };
    await world.tick();
    world.configs = { 'configmap/podinfo-config': 'bbbb' };
    await world.tick();
    expect(world.status.phase).toBe('Progressing');
    expect(world.status.trackedConfigs).toEqual({ 'configmap/podinfo-config': 'bbbb' });
  });

  it('suspend freezes the canary: nothing is touched or written', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 50 })));
    world.canary.spec.suspend = true;
    const writes = world.statusWrites;
    await world.tick();
    await world.tick();
    expect(world.statusWrites).toBe(writes);
    expect(world.status.phase).toBe('Initialized');
  });
});

describe('gates', () => {
  const gate = (type: 'confirm-rollout' | 'confirm-traffic-increase' | 'confirm-promotion') =>
    makeCanary({ stepWeight: 50, webhooks: [{ name: 'approval', type, url: 'http://gate/gate/check' }] });

  it('confirm-rollout holds the run in Waiting, alerts once, and starts when opened', async () => {
    let open = false;
    const world = await initialized(
      new MemoryWorld(gate('confirm-rollout'), {
        webhooks: () => ({ ok: open, message: open ? 'open' : 'closed' }),
      }),
    );
    await world.tick();
    await world.tick();
    expect(world.status.phase).toBe('Waiting');
    expect(world.canaryReplicas).toBe(0);
    expect(world.alerts.filter((a) => a.severity === 'warn')).toHaveLength(1);
    open = true;
    await world.tick();
    expect(world.status.phase).toBe('Progressing');
  });

  it('a rollback hook polled while waiting at confirm-rollout fails the revision before it runs', async () => {
    const canary = makeCanary({
      stepWeight: 50,
      webhooks: [
        { name: 'approval', type: 'confirm-rollout', url: 'http://gate/gate/check' },
        { name: 'big-red-button', type: 'rollback', url: 'http://gate/rollback/check' },
      ],
    });
    let pressed = false;
    const world = await initialized(
      new MemoryWorld(canary, {
        webhooks: (hook) => ({ ok: hook.type === 'rollback' && pressed, message: 'x' }),
      }),
    );
    await world.tick();
    expect(world.status.phase).toBe('Waiting');
    const hooksWhileWaiting = world.hookCalls.filter((c) => c.type === 'rollback').length;
    expect(hooksWhileWaiting).toBe(0); // only polled from the second waiting tick on
    await world.tick();
    expect(world.hookCalls.filter((c) => c.type === 'rollback').length).toBeGreaterThan(0);
    expect(world.status.phase).toBe('Waiting');
    pressed = true;
    await world.tick();
    expect(world.status.phase).toBe('Failed');
    expect(world.canaryReplicas).toBe(0);
    expect(world.routes.canaryWeight).toBe(0);
    expect(world.status.decisions?.at(-1)?.reason).toContain('rollback hook');
    // The refused revision does not start again by itself.
    pressed = false;
    await world.tick();
    expect(world.status.phase).toBe('Failed');
  });

  it('confirm-traffic-increase holds the weight without counting a failure', async () => {
    let open = true;
    const world = await initialized(
      new MemoryWorld(gate('confirm-traffic-increase'), { webhooks: () => ({ ok: open, message: 'x' }) }),
    );
    await runUntil(world, (w) => w.routes.canaryWeight === 50);
    open = false;
    await world.tick();
    await world.tick();
    expect(world.routes.canaryWeight).toBe(50);
    expect(world.status.failedChecks).toBe(0);
  });

  it('confirm-promotion waits in WaitingPromotion, analysis still running', async () => {
    let open = false;
    const world = await initialized(
      new MemoryWorld(gate('confirm-promotion'), { webhooks: () => ({ ok: open, message: 'x' }) }),
    );
    const trace = await runUntil(world, (w) => w.status.phase === 'WaitingPromotion');
    expect(trace.at(-1)?.canaryWeight).toBe(100);
    const evaluations = world.evaluations;
    await world.tick();
    expect(world.evaluations).toBe(evaluations + 1);
    open = true;
    await world.tick();
    expect(world.status.phase).toBe('Promoting');
  });
});

describe('imperative control', () => {
  it('pause freezes traffic and analysis; resume continues', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 10 })));
    await runUntil(world, (w) => w.routes.canaryWeight === 20);
    await world.tick([{ id: 'p', action: { type: 'pause' }, by: 'bob' }]);
    const evaluations = world.evaluations;
    for (let i = 0; i < 3; i++) await world.tick([{ id: 'p', action: { type: 'pause' }, by: 'bob' }]);
    expect(world.routes.canaryWeight).toBe(20);
    expect(world.evaluations).toBe(evaluations);
    await world.tick([{ id: 'r', action: { type: 'resume' }, by: 'bob' }]);
    expect(world.routes.canaryWeight).toBe(30);
  });

  it('promote now skips the remaining steps', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 10 })));
    await runUntil(world, (w) => w.routes.canaryWeight === 10);
    await world.tick([{ id: 'go', action: { type: 'promote' }, by: 'carol' }]);
    expect(world.status.phase).toBe('Promoting');
    expect(world.status.decisions?.at(-1)?.reason).toContain('promoted by carol');
    await runUntil(world, isSettled);
    expect(world.status.phase).toBe('Succeeded');
  });

  it('promote ends a pause: a paused run that is promoted finishes its promotion', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 10 })));
    await runUntil(world, (w) => w.routes.canaryWeight === 20);
    await world.tick([{ id: 'p', action: { type: 'pause' }, by: 'bob' }]);
    await world.tick([{ id: 'go', action: { type: 'promote' }, by: 'bob' }]);
    expect(world.status.paused).toBeUndefined();
    await runUntil(world, isSettled);
    expect(world.status.phase).toBe('Succeeded');
  });

  it('abort rolls back now, and is rejected where there is nothing to abort', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 10 })));
    await runUntil(world, (w) => w.routes.canaryWeight === 30);
    await world.tick([{ id: 'stop', action: { type: 'abort' }, by: 'dave', reason: 'bad smell' }]);
    expect(world.status.phase).toBe('Failed');
    expect(world.routes.canaryWeight).toBe(0);
    expect(world.status.decisions?.at(-1)?.reason).toBe('aborted by dave (bad smell)');
    await world.tick([{ id: 'stop2', action: { type: 'abort' }, by: 'dave' }]);
    expect(world.status.decisions?.at(-1)?.action).toBe('CommandRejected');
  });

  it('set-weight moves traffic at once and validates the value', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 10 })));
    await runUntil(world, (w) => w.routes.canaryWeight === 10);
    await world.tick([
      { id: 'w', action: { type: 'pause' } },
      { id: 'w2', action: { type: 'set-weight', weight: 35 } },
    ]);
    expect(world.routes).toEqual({ primaryWeight: 65, canaryWeight: 35, mirrored: false });
    await world.tick([{ id: 'w3', action: { type: 'set-weight', weight: 140 } }]);
    expect(world.routes.canaryWeight).toBe(35);
    expect(world.status.decisions?.at(-1)?.reason).toContain(
      'expected a whole number between 0 and 100, got 140',
    );
  });

  it('applies a command once even when delivered again', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 10 })));
    await runUntil(world, (w) => w.routes.canaryWeight === 10);
    const cmd = { id: 'once', action: { type: 'set-weight' as const, weight: 50 } };
    await world.tick([cmd]);
    await world.tick([cmd]);
    expect(world.routes.canaryWeight).toBe(60);
  });
});

describe('the sequential judge', () => {
  it('rolls back at once on a judge rejection, with its evidence in status', async () => {
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 10 }), {
        metrics: (w) => ({
          checks: [],
          judge: {
            verdict: w.routes.canaryWeight >= 10 ? 'fail' : 'continue',
            reason: 'canary error rate 5.0% vs primary 1.0% (Bayes factor 212 >= 20)',
            evidence: { bayesFactor: 212 },
            state: { n: 1 },
          },
        }),
      }),
    );
    await runUntil(world, isSettled);
    expect(world.status.phase).toBe('Failed');
    expect(world.status.judge).toMatchObject({ verdict: 'fail', evidence: { bayesFactor: 212 } });
    expect(world.status.decisions?.at(-1)?.reason).toContain('Bayes factor 212');
  });

  it('lets a healthy canary advance early, and hands its state back on the next evaluation', async () => {
    const seen: unknown[] = [];
    const world = await initialized(
      new MemoryWorld(makeCanary({ stepWeight: 10 }), {
        metrics: (w, ctx) => {
          seen.push(ctx.judgeState);
          return {
            checks: [],
            judge: {
              verdict: w.routes.canaryWeight >= 20 ? 'pass-early' : 'continue',
              reason: 'ok',
              evidence: {},
              state: { n: seen.length },
            },
          };
        },
      }),
    );
    const trace = await runUntil(world, isSettled);
    expect(Math.max(...trace.map((r) => r.canaryWeight))).toBe(20);
    expect(world.status.phase).toBe('Succeeded');
    expect(seen.slice(0, 2)).toEqual([undefined, { n: 1 }]);
  });
});

describe('restart', () => {
  it('a fresh engine with only the persisted status resumes where the run was', async () => {
    const world = await initialized(new MemoryWorld(makeCanary({ stepWeight: 20 })));
    await runUntil(world, (w) => w.routes.canaryWeight === 40);
    const resumed = new MemoryWorld(world.canary, {}, world.now);
    resumed.routes = { ...world.routes };
    resumed.targetSpecHash = world.targetSpecHash;
    resumed.primarySpecHash = world.primarySpecHash;
    const trace = await runUntil(resumed, isSettled);
    expect(primaryWeights(trace)).toEqual([40, 20, 0, 100]);
    expect(resumed.status.phase).toBe('Succeeded');
  });
});
