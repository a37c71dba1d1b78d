/**
 * Open Service Mesh (`spec.provider: osm`): Flagger's factory gives it the SMI v1alpha2 router, so
 * a TrafficSplit `split.smi-spec.io/v1alpha2` with integer weights. See smi.ts.
 */
import { trafficSplitProvider } from './smi.js';

export const osmProvider = trafficSplitProvider({ id: 'osm', names: ['osm'], version: 'v1alpha2' });
