/**
 * Kubernetes without a mesh (`spec.provider: kubernetes`): Services only, as Flagger's NopRouter.
 * Nothing carries a split: the apex Service always selects the primary's pods and the canary is
 * reached through `<svc>-canary` (by the load tester and the checks), so the only strategy is
 * blue/green by `iterations`; weights, matches, mirroring and stickiness are refused by
 * `featureIssues` from the features below.
 *
 * Like Flagger's NopRouter, the split it reports is the one the engine last recorded in the
 * Canary's status (Flagger answers "all on the canary" once an iteration has run): there is no
 * object to read it from, and without it the blue/green switch to the new version would never be
 * seen as done.
 */
import { ALL_ON_PRIMARY, type RoutingProvider } from './types.js';

export const kubernetesProvider: RoutingProvider = {
  id: 'kubernetes',
  names: ['kubernetes'],
  features: { weights: false, headers: false, cookies: false, mirror: false, sessionAffinity: false },
  resources: [],
  issues: () => [],
  inputs: () => [],
  render: () => [],
  watched: () => [],
  read: (canary) => {
    const w = canary.status?.canaryWeight;
    if (typeof w !== 'number' || w <= 0) return ALL_ON_PRIMARY;
    const canaryWeight = Math.min(100, w);
    return { primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false };
  },
  finalize: () => ({ delete: [], apply: [] }),
};
