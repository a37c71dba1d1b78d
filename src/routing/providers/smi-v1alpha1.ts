/**
 * Any SMI mesh at TrafficSplit v1alpha1 (`spec.provider: smi:v1alpha1`): quantity weights. See
 * smi.ts.
 */
import { trafficSplitProvider } from './smi.js';

export const smiV1alpha1Provider = trafficSplitProvider({
  id: 'smi-v1alpha1',
  names: ['smi:v1alpha1'],
  version: 'v1alpha1',
});
