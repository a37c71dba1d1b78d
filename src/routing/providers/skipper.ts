/**
 * Skipper (`spec.provider: skipper`), as Flagger's SkipperRouter (pkg/router/skipper.go): the
 * user's Ingress (`spec.ingressRef`) stays as it is, routing `<svc>`; Serin writes
 * `<ingress>-canary`, the user's spec with each apex backend pointed at `<svc>-primary` and a
 * copy for `<svc>-canary` appended to the rule, and the split in Skipper's annotations:
 * `zalando.org/backend-weights` (a JSON object of Service name to weight, keys sorted as Go
 * writes them) and `zalando.org/skipper-predicate`, led by `Weight(100)` so the canary Ingress's
 * route wins over the user's, or by `False()` at weight 0 so it is switched off and the user's
 * Ingress serves. Flagger has no A/B for Skipper: matches, mirroring and stickiness are refused.
 */
import type { Canary } from '../../api/canary.js';
import { serviceNames } from '../names.js';
import { FLUX_ANNOTATIONS } from '../render/flux.js';
import {
  canaryIngress,
  canaryIngressRef,
  ingressRefIssues,
  INGRESS,
  LAST_APPLIED,
  rewriteApexPaths,
  userIngress,
  userIngressRef,
  withServiceName,
} from './ingress.js';
import { ALL_ON_PRIMARY, type Lookup, type RoutingProvider, type Routes, type TrafficPlan } from './types.js';

export const BACKEND_WEIGHTS = 'zalando.org/backend-weights';
export const SKIPPER_PREDICATE = 'zalando.org/skipper-predicate';
const CANARY_ROUTE_WEIGHT = 'Weight(100)';
const CANARY_ROUTE_DISABLE = 'False()';

/**
 * `insert` first, then the user's predicates without Serin's own (Flagger's insertPredicate:
 * predicates split on `&&`, empty ones dropped).
 */
export function insertPredicate(raw: string | undefined, insert: string): string {
  const kept = (raw ?? '')
    .split('&&')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p !== CANARY_ROUTE_WEIGHT && p !== CANARY_ROUTE_DISABLE);
  return [insert, ...kept].join(' && ');
}

/** Go's encoding/json writes a map with its keys sorted; Flagger marshals the weights that way. */
function backendWeights(weights: Record<string, number>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(weights).sort(([a], [b]) => (a < b ? -1 : 1))));
}

function render(canary: Canary, plan: TrafficPlan, live: Lookup) {
  const user = userIngress(canary, live);
  const names = serviceNames(canary);
  const spec = rewriteApexPaths(
    user,
    names.apex,
    (path) => withServiceName(path, names.primary),
    (path) => withServiceName(path, names.canary),
  );
  const { [LAST_APPLIED]: _userRecord, ...annotations } = user.metadata.annotations ?? {};
  const predicate = plan.canaryWeight > 0 ? CANARY_ROUTE_WEIGHT : CANARY_ROUTE_DISABLE;
  return [
    canaryIngress(canary, user, spec, {
      ...annotations,
      ...FLUX_ANNOTATIONS,
      [BACKEND_WEIGHTS]: backendWeights({
        [names.primary]: plan.primaryWeight,
        [names.canary]: plan.canaryWeight,
      }),
      [SKIPPER_PREDICATE]: insertPredicate(annotations[SKIPPER_PREDICATE], predicate),
    }),
  ];
}

/** The weights of `zalando.org/backend-weights`, as Flagger reads them back. */
function read(canary: Canary, live: Lookup): Routes {
  const ingress = live(INGRESS, canaryIngressRef(canary).name);
  if (!ingress) return ALL_ON_PRIMARY;
  const names = serviceNames(canary);
  const raw = ingress.metadata.annotations?.[BACKEND_WEIGHTS];
  const where = `Ingress ${ingress.metadata.name}: ${BACKEND_WEIGHTS}`;
  if (raw === undefined) throw new Error(`${where} is missing`);
  let weights: unknown;
  try {
    weights = JSON.parse(raw);
  } catch {
    throw new Error(`${where} is not JSON: ${JSON.stringify(raw)}`);
  }
  const w = (typeof weights === 'object' && weights !== null ? weights : {}) as Record<string, unknown>;
  const primaryWeight = w[names.primary];
  const canaryWeight = w[names.canary];
  if (!Number.isInteger(primaryWeight) || !Number.isInteger(canaryWeight))
    throw new Error(`${where} has no integer weights for ${names.primary} and ${names.canary}: ${raw}`);
  return { primaryWeight: primaryWeight as number, canaryWeight: canaryWeight as number, mirrored: false };
}

export const skipperProvider: RoutingProvider = {
  id: 'skipper',
  names: ['skipper'],
  features: { weights: true, headers: false, cookies: false, mirror: false, sessionAffinity: false },
  resources: [INGRESS],
  issues: (spec) => ingressRefIssues(spec, 'skipper'),
  inputs: (canary) => [userIngressRef(canary)],
  render,
  watched: (canary) => [canaryIngressRef(canary), userIngressRef(canary)],
  read,
  finalize: (canary) => ({ delete: [canaryIngressRef(canary)], apply: [] }),
};
