/**
 * Linkerd (`spec.provider: linkerd`): Flagger's factory gives it the SMI v1alpha1 router, so a
 * TrafficSplit `split.smi-spec.io/v1alpha1` with quantity weights, which the linkerd-smi extension
 * turns into Linkerd's own routing. (Flagger's Linkerd tutorial now runs Linkerd through Gateway
 * API, `spec.provider: gatewayapi:v1beta1`, which is the gateway-api provider.) See smi.ts.
 */
import { trafficSplitProvider } from './smi.js';

export const linkerdProvider = trafficSplitProvider({
  id: 'linkerd',
  names: ['linkerd'],
  version: 'v1alpha1',
});
