/** The Traefik provider through the shared provider rollout: a TraefikService's weighted services. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { TRAEFIK_SERVICE } from '../../src/routing/providers/traefik.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-traefik');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

/**
 * The canary's share as Traefik's weighted round robin computes it: a service without a weight
 * counts 1, a weight of 0 takes nothing, and only services named in the list receive traffic.
 */
function canaryWeight(object: KubeObject): number | undefined {
  const services = (object.spec as { weighted?: { services?: { name: string; weight?: number }[] } }).weighted
    ?.services;
  if (!services?.some((s) => s.name === 'tr-primary')) return undefined;
  const weight = (s: { weight?: number }) => s.weight ?? 1;
  const total = services.reduce((sum, s) => sum + weight(s), 0);
  const canary = services.find((s) => s.name === 'tr-canary');
  if (total === 0) return undefined;
  return canary ? Math.round((weight(canary) * 100) / total) : 0;
}

describe('provider traefik', { timeout: 300_000 }, () => {
  it('promotes in steps and rolls back to the primary', async () => {
    const trace = await promoteAndRollBack({
      suite,
      provider: 'traefik',
      name: 'tr',
      split: { resource: TRAEFIK_SERVICE, name: 'tr', canaryWeight },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
    const live = await suite.client.get(TRAEFIK_SERVICE, suite.ns, 'tr');
    expect(live?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Canary', name: 'tr' });
  });
});
