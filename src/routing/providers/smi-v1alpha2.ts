/**
 * Any SMI mesh at TrafficSplit v1alpha2 (`spec.provider: smi:v1alpha2`): integer weights. See
 * smi.ts.
 */
import { trafficSplitProvider } from './smi.js';

export const smiV1alpha2Provider = trafficSplitProvider({
  id: 'smi-v1alpha2',
  names: ['smi:v1alpha2'],
  version: 'v1alpha2',
});
