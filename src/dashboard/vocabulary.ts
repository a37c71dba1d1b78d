/**
 * Names the dashboard shares between its server side and the web UI. This module imports nothing,
 * so the UI bundles it without pulling in the engine or zod.
 */
import type { WebhookType } from '../api/canary.js';

/** The gate-like webhook types: they hold the rollout until they answer yes. */
export const GATE_TYPES: readonly WebhookType[] = [
  'confirm-rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'rollback',
];

/**
 * The latency percentile the engine judges and the charts show: Flagger's built-in
 * request-duration check is the p99 of the request duration histogram, and local mode's router
 * measures the same p99.
 */
export const LATENCY_PERCENTILE = 'p99';
