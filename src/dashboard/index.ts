/** The dashboard: a JSON + server-sent-events API and a web UI over any {@link DashboardBackend}. */
export type * from './backend.js';
export {
  GATE_TYPES,
  LATENCY_PERCENTILE,
  NO_SIDES,
  describeAction,
  judgeViewOf,
  strategyOf,
  summaryOf,
  webhookStatesOf,
} from './backend.js';
export { createMemoryBackend } from './memory-backend.js';
export type {
  ActionHandler,
  GatesProvider,
  MemoryBackend,
  MemoryBackendOptions,
  SidesProvider,
} from './memory-backend.js';
export { gateStatesOf } from './gate-states.js';
export { createDashboardHandler, createDashboardServer } from './server.js';
export type { DashboardHandler, DashboardServer, DashboardServerOptions } from './server.js';
