/**
 * Messages between a router primary and its workers, over the cluster IPC channel (JSON). Every
 * configuration carries the primary's version, so acknowledgements name what is in force.
 */
import type { SeriesState } from '../telemetry.js';
import type { RouterConfig, RouterOptions } from '../types.js';

/** Router options a worker can be given: plain data (a `random` function cannot cross processes). */
export type WorkerRouterOptions = Omit<RouterOptions, 'random'>;

export type ToWorker =
  | {
      type: 'init';
      options: WorkerRouterOptions;
      config: RouterConfig;
      version: number;
      port: number;
      host: string;
    }
  | { type: 'config'; config: RouterConfig; version: number }
  | { type: 'flush'; id: number }
  | { type: 'close' };

export type FromWorker =
  /** Listening for messages: the primary may send `init`. */
  | { type: 'ready' }
  /** A configuration is in force in this worker (sent after the initial one too). */
  | { type: 'applied'; version: number }
  | { type: 'listening' }
  | { type: 'failed'; error: string; code?: string }
  /** Cumulative state of the series that changed, by their index in the worker's telemetry. */
  | { type: 'telemetry'; series: IndexedSeries[] }
  | { type: 'flushed'; id: number; series: IndexedSeries[] };

export interface IndexedSeries extends SeriesState {
  index: number;
}

export function isFromWorker(message: unknown): message is FromWorker {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { type?: unknown }).type === 'string'
  );
}
