/**
 * The contract every routing provider keeps (src/routing/providers/types.ts), run by each
 * provider's own test file with a Canary and the user objects that provider reads: what it
 * renders is of kinds it declares, reads back as the split it was given at every weight it can
 * express, is stable (rendering twice gives the same objects), carries the Canary's owner
 * reference on the objects Serin owns, and finalize deletes only kinds it declares. A provider with
 * no kind of its own (kubernetes: Services only) renders nothing, and reads back the split the
 * engine recorded in the Canary's status, which every read is given as the engine would leave it.
 */
import { describe, expect, it } from 'vitest';
import type { Canary } from '../../src/api/canary.js';
import { canaryCapabilities } from '../../src/api/capabilities.js';
import type { KubeObject, Lookup, RoutingProvider, TrafficPlan } from '../../src/routing/providers/types.js';

export interface ProviderFixture {
  /** A Canary this provider runs (with `metadata.uid`, so owner references are rendered). */
  canary: Canary;
  /** The raw document the Canary was parsed from, for the capability checks. */
  raw: Record<string, unknown>;
  /** The user's objects the provider reads (its `inputs`). */
  inputs?: KubeObject[];
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

export function lookupOf(objects: readonly KubeObject[]): Lookup {
  return (resource, name) =>
    objects.find(
      (o) => o.kind === resource.kind && o.metadata.name === name && groupOf(o.apiVersion) === resource.group,
    );
}

function plansFor(provider: RoutingProvider): TrafficPlan[] {
  const weights = provider.features.weights ? [0, 1, 10, 33, 50, 99, 100] : [0, 100];
  const plans = weights.map((w) => ({ primaryWeight: 100 - w, canaryWeight: w, mirrored: false }));
  if (provider.features.mirror) plans.push({ primaryWeight: 100, canaryWeight: 0, mirrored: true });
  return plans;
}

export function describeProviderContract(provider: RoutingProvider, fixture: () => ProviderFixture): void {
  describe(`routing provider contract: ${provider.id}`, () => {
    it('the fixture Canary is one the provider runs (no blocking capability issue)', () => {
      const { raw } = fixture();
      const blocking = canaryCapabilities(raw).filter((i) => i.severity === 'error');
      expect(blocking).toEqual([]);
    });

    it('declares every input it reads', () => {
      const { canary, inputs = [] } = fixture();
      for (const ref of provider.inputs(canary)) {
        expect(provider.resources.concat()).toContain(ref.resource);
        expect(
          lookupOf(inputs)(ref.resource, ref.name),
          `input ${ref.resource.kind}/${ref.name}`,
        ).toBeDefined();
      }
    });

    for (const plan of plansFor(provider)) {
      const label = `${String(plan.canaryWeight)}% canary${plan.mirrored ? ', mirrored' : ''}`;
      it(`renders declared kinds and reads back ${label}`, () => {
        const { canary, inputs = [] } = fixture();
        const rendered = provider.render(canary, plan, lookupOf(inputs));
        if (provider.resources.length === 0) expect(rendered).toEqual([]);
        else expect(rendered.length).toBeGreaterThan(0);
        for (const object of rendered) {
          const declared = provider.resources.some(
            (r) => r.kind === object.kind && r.group === groupOf(object.apiVersion),
          );
          expect(declared, `${object.apiVersion} ${object.kind} is declared`).toBe(true);
          expect(object.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
        }
        // What a cluster holds after apply: the rendered objects over the user's inputs.
        const live = [...rendered, ...inputs.filter((i) => !rendered.some((r) => sameObject(r, i)))];
        expect(provider.read(recorded(canary, plan), lookupOf(live))).toEqual(plan);
        expect(provider.render(canary, plan, lookupOf(live))).toEqual(rendered);
      });
    }

    it('reads all traffic on the primary before anything is rendered', () => {
      const { canary, inputs = [] } = fixture();
      expect(provider.read(canary, lookupOf(inputs))).toEqual({
        primaryWeight: 100,
        canaryWeight: 0,
        mirrored: false,
      });
    });

    it('finalize deletes only declared kinds and restores only inputs', () => {
      const { canary, inputs = [] } = fixture();
      const rendered = provider.render(canary, plansFor(provider)[0]!, lookupOf(inputs));
      const { delete: doomed, apply } = provider.finalize(canary, lookupOf([...rendered, ...inputs]));
      for (const ref of doomed) expect(provider.resources.concat()).toContain(ref.resource);
      for (const object of apply) expect(inputs.some((i) => sameObject(i, object))).toBe(true);
    });
  });
}

/** The Canary as the engine leaves it after setting `plan`: its status records the split. */
function recorded(canary: Canary, plan: TrafficPlan): Canary {
  return {
    ...canary,
    status: { ...canary.status, canaryWeight: plan.canaryWeight, mirrored: plan.mirrored },
  };
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return (
    a.kind === b.kind &&
    a.metadata.name === b.metadata.name &&
    groupOf(a.apiVersion) === groupOf(b.apiVersion)
  );
}
