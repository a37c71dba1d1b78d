/**
 * Crash points in the engine: every scenario runs once straight through (the reference), then
 * once per effect boundary with the process "killed" there (the tick is abandoned mid-way, like a
 * SIGKILL: what was persisted stays, nothing else) and restarted from the persisted status. Each
 * resumed run must take exactly the reference's decisions, apply exactly its traffic changes, and
 * deliver each event, alert and hook of each decision exactly once.
 */
import { describe, expect, it } from 'vitest';
import type { Canary, CanaryInput } from '../api/canary.js';
import { analysisIntervalMs } from './analysis-config.js';
import { makeCanary } from './testing/fixtures.js';
import { withBoundaries } from './testing/fail-points.js';
import { MemoryWorld, type WorldScript } from './testing/memory-world.js';
import { advance } from './tick.js';
import type { ControlCommand, MetricsEvaluation, Ports } from './ports.js';

type AnalysisInput = NonNullable<CanaryInput['spec']['analysis']>;

class Killed extends Error {}

interface Delivery {
  kind: string;
  id: string | undefined;
  what: string;
}

interface Run {
  decisions: string[];
  routes: string[];
  deliveries: Delivery[];
  phase: string | undefined;
  boundaries: string[];
  world: MemoryWorld;
}

const hooks: NonNullable<AnalysisInput['webhooks']> = [
  { name: 'notify', type: 'event', url: 'http://hooks.test/event' },
  { name: 'cleanup', type: 'post-rollout', url: 'http://hooks.test/post' },
];

interface Scenario {
  name: string;
  analysis: Partial<AnalysisInput>;
  script?: WorldScript;
  /** Commands delivered at a tick of the run (by tick number after the new revision). */
  commands?: Record<number, ControlCommand[]>;
  /** World changes at a tick (gates opening, the primary breaking). */
  at?: Record<number, (world: MemoryWorld) => void>;
}

const failingFrom =
  (weight: number) =>
  (world: MemoryWorld): MetricsEvaluation => {
    const bad = world.routes.canaryWeight >= weight;
    return {
      checks: [
        {
          name: 'request-success-rate',
          kind: 'metric',
          verdict: bad ? 'fail' : 'pass',
          value: bad ? 70 : 100,
          min: 99,
          message: bad ? 'success rate 70 < 99' : 'success rate 100 >= 99',
        },
      ],
    };
  };

let gateOpen = false;
const scenarios: Scenario[] = [
  {
    name: 'canary to promotion, stepped back to the primary',
    analysis: { stepWeight: 20, maxWeight: 40, stepWeightPromotion: 25, webhooks: hooks },
  },
  {
    name: 'rollback of a faulty revision at 40%',
    analysis: { stepWeight: 20, maxWeight: 80, threshold: 2, webhooks: hooks },
    script: { metrics: failingFrom(40) },
  },
  {
    name: 'a confirm-promotion gate closed for two intervals',
    analysis: {
      stepWeight: 50,
      maxWeight: 50,
      webhooks: [...hooks, { name: 'approve', type: 'confirm-promotion', url: 'http://hooks.test/gate' }],
    },
    script: {
      webhooks: (hook) =>
        hook.type === 'confirm-promotion' && !gateOpen
          ? { ok: false, status: 403, message: 'closed' }
          : { ok: true, status: 200, message: 'ok' },
    },
    at: {
      0: () => {
        gateOpen = false;
      },
      4: () => {
        gateOpen = true;
      },
    },
  },
  {
    name: 'blue/green with mirroring',
    analysis: { iterations: 2, mirror: true, webhooks: hooks },
  },
  {
    name: 'a promoted primary that never becomes ready',
    analysis: { stepWeight: 50, maxWeight: 50, webhooks: hooks },
    script: {
      primaryReady: (world) =>
        world.status.phase === 'Promoting'
          ? { ready: false, retriable: false, message: 'ImagePullBackOff' }
          : { ready: true, retriable: true, message: 'ready' },
    },
  },
  {
    name: 'an abort command while progressing',
    analysis: { stepWeight: 10, maxWeight: 50, webhooks: hooks },
    commands: { 2: [{ id: 'abort-1', action: { type: 'abort' }, by: 'alice' }] },
  },
];

/** Records every effect delivered, and stops at boundary `killAt` (counting from 1). */
function instrument(world: MemoryWorld, run: Run, killAt: number | undefined): Ports {
  const base = world.ports;
  const ports: Ports = {
    ...base,
    router: {
      ...base.router,
      setRoutes: async (canary, routes) => {
        await base.router.setRoutes(canary, routes);
        const text = `${routes.primaryWeight}/${routes.canaryWeight}${routes.mirrored ? ' mirrored' : ''}`;
        if (run.routes.at(-1) !== text) run.routes.push(text);
      },
    },
    notifier: {
      event: async (canary, event) => {
        run.deliveries.push({ kind: 'event', id: event.id, what: event.reason });
        await base.notifier.event(canary, event);
      },
      alert: async (canary, alert) => {
        run.deliveries.push({ kind: 'alert', id: alert.id, what: alert.message });
        await base.notifier.alert(canary, alert);
      },
    },
    webhooks: {
      call: async (canary, hook, phase, delivery) => {
        if (delivery?.decisionId !== undefined)
          run.deliveries.push({ kind: `hook ${hook.name}`, id: delivery.decisionId, what: phase });
        return base.webhooks.call(canary, hook, phase, delivery);
      },
    },
  };
  let count = 0;
  return withBoundaries(ports, (boundary, canary) => {
    count += 1;
    run.boundaries.push(`${boundary} (${canary.status?.phase ?? '-'})`);
    if (count === killAt) throw new Killed(boundary);
  });
}

const settled = (phase: string | undefined) => phase === 'Succeeded' || phase === 'Failed';

async function play(scenario: Scenario, killAt?: number): Promise<Run & { killed: boolean }> {
  const world = new MemoryWorld(makeCanary(scenario.analysis));
  world.script = scenario.script ?? {};
  const run: Run = { decisions: [], routes: [], deliveries: [], phase: undefined, boundaries: [], world };
  let ports = instrument(world, run, killAt);
  let killed = false;
  const tick = async (commands: readonly ControlCommand[] = []) => {
    const before = world.status;
    try {
      await advance(world.canary, ports, commands);
    } catch (error) {
      if (!(error instanceof Killed)) throw error;
      killed = true;
      // The restart: the same world, ports without the fail point, the status as persisted. A
      // tick that had finished before the kill leaves nothing to resume: the next tick comes at
      // the next interval (a step needs a full interval of evidence).
      ports = instrument(world, run, undefined);
      if (world.status.intent || world.status === before) await advance(world.canary, ports, commands);
    }
  };
  await tick();
  world.deploy('rev-2');
  for (let i = 0; i < 40 && !settled(world.status.phase); i++) {
    scenario.at?.[i]?.(world);
    await tick(scenario.commands?.[i]);
    world.now = new Date(world.now.getTime() + analysisIntervalMs(world.canary));
  }
  run.decisions = (world.status.decisions ?? []).map(
    (d) => `${d.action} ${d.phase} ${d.canaryWeight ?? '-'}`,
  );
  run.phase = world.status.phase;
  return { ...run, killed };
}

const duplicates = (deliveries: Delivery[]) => {
  const seen = new Set<string>();
  let dups = 0;
  for (const d of deliveries) {
    const key = `${d.kind} ${d.id ?? '?'}`;
    if (seen.has(key)) dups++;
    seen.add(key);
  }
  return dups;
};

/** Served version agrees with status: what the world runs and routes is what status says. */
function agrees(world: MemoryWorld): boolean {
  const s = world.status;
  if (s.intent) return false;
  const routesAgree = world.routes.canaryWeight === (s.canaryWeight ?? 0);
  if (s.phase === 'Succeeded') return routesAgree && world.primarySpecHash === s.lastPromotedSpec;
  return routesAgree;
}

describe('a kill at any effect boundary resumes exactly', () => {
  const figures = { points: 0, exact: 0, duplicates: 0 };

  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const reference = await play(scenario);
      expect(settled(reference.phase)).toBe(true);
      expect(duplicates(reference.deliveries)).toBe(0);
      expect(reference.deliveries.every((d) => d.id !== undefined)).toBe(true);
      for (let k = 1; k <= reference.boundaries.length; k++) {
        const resumed = await play(scenario, k);
        const where = `killed at boundary ${k}: ${reference.boundaries[k - 1] ?? '?'}`;
        expect(resumed.killed, where).toBe(true);
        expect(resumed.decisions, where).toEqual(reference.decisions);
        expect(resumed.routes, where).toEqual(reference.routes);
        expect(resumed.phase, where).toBe(reference.phase);
        expect(agrees(resumed.world), where).toBe(true);
        const dups = duplicates(resumed.deliveries);
        expect(dups, where).toBe(0);
        expect(resumed.deliveries.map((d) => `${d.kind} ${d.what}`).sort(), where).toEqual(
          reference.deliveries.map((d) => `${d.kind} ${d.what}`).sort(),
        );
        figures.points += 1;
        figures.exact += 1;
        figures.duplicates += dups;
      }
    });
  }

  it('prints the figures', () => {
    console.log(
      `engine crash points: ${figures.points} kill points tried, ${figures.exact} exact resumes, duplicates: ${figures.duplicates}`,
    );
    expect(figures.points).toBeGreaterThan(100);
  });
});

describe('an effect interrupted in flight', () => {
  it('is retried with the same decision id, so a receiver can drop the repeat', async () => {
    const world = new MemoryWorld(makeCanary({ stepWeight: 50, maxWeight: 50 }));
    await world.tick();
    world.deploy('rev-2');
    const ids: (string | undefined)[] = [];
    let dieAfterEvent = true;
    const ports: Ports = {
      ...world.ports,
      notifier: {
        ...world.ports.notifier,
        event: async (canary, event) => {
          ids.push(event.id);
          await world.ports.notifier.event(canary, event);
          if (dieAfterEvent) {
            dieAfterEvent = false;
            throw new Killed('after the event, before its mark');
          }
        },
      },
    };
    await expect(advance(world.canary, ports)).rejects.toBeInstanceOf(Killed);
    expect(world.status.intent?.effects.map((e) => e.kind)).toContain('event');
    await advance(world.canary, ports);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(world.status.intent).toBeUndefined();
  });
});

describe('a promotion overtaken by a new revision while the process was down', () => {
  it('is not carried out: the run fails and the new revision gets its own analysis', async () => {
    const world = new MemoryWorld(makeCanary({ stepWeight: 50, maxWeight: 50 }));
    await world.tick();
    world.deploy('rev-2');
    while (world.status.canaryWeight !== 50) await world.tick();
    let armed = true;
    const ports = withBoundaries(world.ports, (boundary) => {
      if (armed && boundary === 'before promote') {
        armed = false;
        throw new Killed(boundary);
      }
    });
    await expect(advance(world.canary, ports)).rejects.toBeInstanceOf(Killed);
    expect(world.status.phase).toBe('Promoting');
    world.deploy('rev-3');
    await advance(world.canary, world.ports);
    expect(world.primarySpecHash).toBe('rev-1');
    expect(world.routes).toEqual({ primaryWeight: 100, canaryWeight: 0, mirrored: false });
    expect(world.status).toMatchObject({ phase: 'Failed', lastAppliedSpec: 'rev-2' });
    await world.tick();
    expect(world.status).toMatchObject({ phase: 'Progressing', lastAppliedSpec: 'rev-3' });
  });
});

describe('idle', () => {
  it('an idle Canary costs no write, and a step costs the intent, its marks and the clearing', async () => {
    const canary: Canary = makeCanary({ stepWeight: 50, maxWeight: 50 });
    const world = new MemoryWorld(canary);
    await world.tick();
    const writes = world.statusWrites;
    for (let i = 0; i < 5; i++) await world.tick();
    expect(world.statusWrites).toBe(writes);
  });
});
