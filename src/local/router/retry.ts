import { parseDuration } from '../../api/common.js';
import type { HTTPRetry } from '../../routing/istio/types.js';
import type { AttemptFailure } from './flags.js';

/**
 * A route's retry policy, as Envoy runs Istio's `retries`: `attempts` is the number of retries
 * (so at most 1 + attempts requests), each bounded by `perTryTimeout`, retried only for the
 * conditions listed in `retryOn`.
 */
export interface RetryPolicy {
  retries: number;
  perTryTimeoutMs: number | undefined;
  on5xx: boolean;
  onGatewayError: boolean;
  onConnectFailure: boolean;
  onReset: boolean;
  /**
   * Retry a request the upstream reset before reading it. Istio applies this on every sidecar's
   * inbound route by default (2 attempts on `reset-before-request`, pilot retry.go), whatever the
   * VirtualService says: it is mesh configuration. Local mode's router plays the destination's
   * sidecar too, so it applies whenever retries are on (`attempts: 0` turns every retry off).
   */
  onResetBeforeRequest: boolean;
  /** Envoy's previous_hosts predicate: a retry avoids the hosts already tried (`retryIgnorePreviousHosts`, default true). */
  ignorePreviousHosts: boolean;
  onRetriable4xx: boolean;
  statusCodes: ReadonlySet<number>;
  /** Envoy's default base interval; the n-th retry waits up to 25 ms × 2^(n-1), capped at 250 ms. */
  backoffBaseMs: number;
}

/** Istio's policy when a route sets no `retries` (pilot retry.go): 2 retries on connection failures. */
export const ISTIO_DEFAULT_RETRY =
  'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

export function compileRetryPolicy(retries: HTTPRetry | undefined, path: string): RetryPolicy {
  const attempts = retries === undefined ? 2 : (retries.attempts ?? 0);
  if (!Number.isInteger(attempts) || attempts < 0) {
    throw new Error(`${path}.attempts: expected a non-negative integer, got ${String(attempts)}`);
  }
  const retryOn = retries === undefined ? ISTIO_DEFAULT_RETRY : (retries.retryOn ?? ISTIO_DEFAULT_RETRY);
  const tokens = retryOn
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const statusCodes = new Set(tokens.filter((t) => /^\d{3}$/.test(t)).map(Number));
  let perTryTimeoutMs: number | undefined;
  if (retries?.perTryTimeout !== undefined) {
    try {
      perTryTimeoutMs = parseDuration(retries.perTryTimeout);
    } catch (error) {
      throw new Error(`${path}.perTryTimeout: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    retries: attempts,
    perTryTimeoutMs,
    on5xx: tokens.includes('5xx'),
    onGatewayError: tokens.includes('gateway-error'),
    onConnectFailure: tokens.includes('connect-failure'),
    onReset: tokens.includes('reset'),
    onResetBeforeRequest: attempts > 0,
    ignorePreviousHosts: retries?.retryIgnorePreviousHosts ?? true,
    onRetriable4xx: tokens.includes('retriable-4xx'),
    statusCodes,
    backoffBaseMs: 25,
  };
}

/** Whether an upstream response with `status` should be retried under `policy`. */
export function retriableStatus(policy: RetryPolicy, status: number): boolean {
  if (policy.statusCodes.has(status)) return true;
  if (policy.on5xx && status >= 500 && status <= 599) return true;
  if (policy.onGatewayError && (status === 502 || status === 503 || status === 504)) return true;
  return policy.onRetriable4xx && status === 409;
}

/** Whether a failed attempt (no response) should be retried under `policy`. */
export function retriableFailure(policy: RetryPolicy, failure: AttemptFailure): boolean {
  const any5xx = policy.on5xx || policy.onGatewayError;
  switch (failure) {
    case 'connect-failure':
      return policy.onConnectFailure || any5xx;
    case 'reset':
      return policy.onReset || any5xx;
    case 'reset-before-request':
      return policy.onResetBeforeRequest || tokensReset(policy);
    case 'per-try-timeout':
      return any5xx;
    case 'overflow':
      return false;
  }
}

function tokensReset(policy: RetryPolicy): boolean {
  return policy.onReset || policy.on5xx || policy.onGatewayError;
}

export function backoffMs(policy: RetryPolicy, retryNumber: number, random: () => number): number {
  const ceiling = Math.min(policy.backoffBaseMs * 2 ** (retryNumber - 1), policy.backoffBaseMs * 10);
  return Math.floor(random() * ceiling);
}
