/**
 * Any SMI mesh at TrafficSplit v1alpha3 (`spec.provider: smi:v1alpha3`): integer weights, no
 * HTTPRouteGroup matches (Flagger renders none). See smi.ts.
 */
import { trafficSplitProvider } from './smi.js';

export const smiV1alpha3Provider = trafficSplitProvider({
  id: 'smi-v1alpha3',
  names: ['smi:v1alpha3'],
  version: 'v1alpha3',
});
