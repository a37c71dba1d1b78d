/**
 * Flux's opt-outs, set as Flagger sets them (pkg/router/util.go) on the routing objects it writes
 * (Services, VirtualService, HTTPRoute): without them Flux's kustomize and helm controllers undo
 * the selector and weights a rollout sets on objects that are also in Git, such as an apex Service.
 */
export const FLUX_ANNOTATIONS: Readonly<Record<string, string>> = {
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
  'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
};

/** The user's annotations without Flux's bookkeeping (never copied), plus Flux's opt-outs. */
export function routingAnnotations(custom: Record<string, string> | undefined): Record<string, string> {
  const own = Object.entries(custom ?? {}).filter(([k]) => !k.includes('toolkit.fluxcd.io'));
  return { ...Object.fromEntries(own), ...FLUX_ANNOTATIONS };
}
