export { createRouter, type Router } from './router.js';
export type {
  Endpoint,
  NamedResource,
  RouterConfig,
  RouterIdentity,
  RouterOptions,
  ServiceDefinition,
  WeightedChoice,
} from './types.js';
export {
  ISTIO_DURATION_BUCKETS_MS,
  ISTIO_LABELS,
  type TelemetrySnapshot,
  type WorkloadStats,
} from './telemetry.js';
export { RESPONSE_FLAGS_HEADER } from './exchange.js';
