/**
 * One contract for every dashboard backend (the scripted fake the browser tests use, local mode,
 * Kubernetes): the same scenario, the same questions, the engine's own vocabulary. A backend that
 * names a decision differently, forgets a side's version or log, or cannot read a gate back fails
 * here, whichever platform it stands for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHASES } from '../../src/api/canary.js';
import type { CanaryDetail, CanaryRef, DashboardBackend } from '../../src/dashboard/backend.js';
import { commandRefusal } from '../../src/engine/command-rules.js';
import { DecisionAction } from '../../src/engine/decisions.js';

/** A platform running one Canary through a new revision, stepWeight 10 to maxWeight 50, a confirm-promotion hook. */
export interface ContractWorld {
  backend: DashboardBackend;
  ref: CanaryRef;
  /** The name of the Canary's confirm-promotion hook, whose gate starts closed. */
  gate: string;
  /** Lets the platform work: real platforms run by themselves; the fake takes a step. */
  pass(): Promise<void>;
  close(): Promise<void>;
}

const DECISION_NAMES: readonly string[] = Object.values(DecisionAction);

async function eventually(
  world: ContractWorld,
  what: string,
  probe: (detail: CanaryDetail) => boolean,
  timeoutMs = 90_000,
): Promise<CanaryDetail> {
  const deadline = Date.now() + timeoutMs;
  let last: CanaryDetail | undefined;
  for (;;) {
    last = await world.backend.get(world.ref.namespace, world.ref.name);
    if (last && probe(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last phase ${last?.phase ?? 'none'}`);
    await world.pass();
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function describeBackendContract(platform: string, start: () => Promise<ContractWorld>): void {
  describe(`dashboard backend contract: ${platform}`, { timeout: 180_000 }, () => {
    let world: ContractWorld;
    let changes = 0;
    let unsubscribe: () => void = () => undefined;

    beforeAll(async () => {
      world = await start();
      unsubscribe = world.backend.subscribe((change) => {
        if (change.name === world.ref.name) changes++;
      });
    }, 180_000);

    afterAll(async () => {
      unsubscribe();
      await world.close();
    }, 60_000);

    it("reports the run in the engine's vocabulary: phases, decisions and the plan", async () => {
      const detail = await eventually(world, 'an Advance decision', (d) =>
        d.decisions.some((x) => x.action === DecisionAction.Advance),
      );
      for (const decision of detail.decisions) expect(DECISION_NAMES).toContain(decision.action);
      expect([...PHASES, 'Unknown']).toContain(detail.phase);
      expect(detail.plan.steps.map((s) => s.label)).toEqual(['10%', '20%', '30%', '40%', '50%', 'promote']);
      expect(detail.plan.current).toBeGreaterThanOrEqual(0);
      expect(detail.plan.promotionEta ?? detail.plan.noEtaReason).toBeDefined();
      const row = (await world.backend.list()).find((c) => c.name === world.ref.name);
      expect(row?.plan.steps).toEqual(detail.plan.steps);
    });

    it('shows what each side runs, its replicas, and the last lines it wrote', async () => {
      const detail = await eventually(
        world,
        'versions and log lines of both sides',
        (d) =>
          d.sides.primary.version !== undefined &&
          d.sides.canary.version !== undefined &&
          d.sides.primary.logTail.length > 0 &&
          d.sides.canary.logTail.length > 0,
      );
      expect(detail.sides.canary.version).not.toBe(detail.sides.primary.version);
      const canary = detail.workloads.canary;
      expect(canary?.desired).toBeGreaterThan(0);
      expect(canary?.ready).toBeLessThanOrEqual(canary?.desired ?? 0);
    });

    it("abort ends the run with the engine's Rollback decision, no estimate, and promote refused", async () => {
      const result = await world.backend.act(
        world.ref.namespace,
        world.ref.name,
        { type: 'abort' },
        'contract',
      );
      expect(result.accepted).toBe(true);
      const failed = await eventually(world, 'phase Failed', (d) => d.phase === 'Failed');
      expect(failed.decisions.map((d) => d.action)).toContain(DecisionAction.Rollback);
      expect(failed.plan.promotionEta).toBeUndefined();
      expect(failed.plan.noEtaReason).toMatch(/over/);
      expect(
        commandRefusal('promote', failed.phase === 'Unknown' ? undefined : failed.phase, 'canary'),
      ).toMatch(/only a running analysis/);
    });

    it('reads a gate back after opening it and after closing it', async () => {
      const before = await world.backend.get(world.ref.namespace, world.ref.name);
      expect(before?.webhooks.find((w) => w.name === world.gate)?.open).toBe(false);
      for (const open of [true, false]) {
        const act = await world.backend.act(
          world.ref.namespace,
          world.ref.name,
          { type: 'gate', gate: world.gate, open },
          'contract',
        );
        expect(act.accepted).toBe(true);
        await eventually(
          world,
          `gate ${open ? 'open' : 'closed'}`,
          (d) => d.webhooks.find((w) => w.name === world.gate)?.open === open,
        );
      }
    });

    it('keeps history oldest first and told subscribers about the changes', async () => {
      const history = await world.backend.history(world.ref.namespace, world.ref.name);
      expect(history.length).toBeGreaterThan(0);
      const times = history.map((p) => p.time);
      expect(times).toEqual([...times].sort());
      expect(changes).toBeGreaterThan(0);
    });
  });
}
