/**
 * Retries of an AWS JSON-protocol call that was throttled or met a server fault, as the AWS SDKs'
 * standard retry mode does: HTTP 429, any 5xx, and a 400 whose error `__type` is a throttling code
 * are retried with capped exponential backoff and full jitter. Other errors (a bad query, refused
 * credentials, a timed-out request) are final. Retries stop before the query's timeout is spent.
 */
import { ProviderError } from './http.js';

/** The SDKs' throttling error codes (the `__type` after `#`). */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

const MAX_ATTEMPTS = 3; // the SDKs' standard mode
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 20_000;

/** Whether an error ProviderHttp reported (`answered HTTP <status>: <body>`) is worth another attempt. */
export function retryable(error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  const answered = /answered HTTP (\d{3}): (.*)$/s.exec(error.message);
  if (!answered) return false;
  const status = Number(answered[1]);
  if (status === 429 || status >= 500) return true;
  if (status !== 400) return false;
  const type = /"__type"\s*:\s*"([^"]*)"/.exec(answered[2] ?? '')?.[1] ?? '';
  return THROTTLING_CODES.has(type.split('#').at(-1) ?? '');
}

/** Runs `attempt`, retrying throttling and server faults while the backoff fits in `budgetMs`. */
export async function withThrottlingRetries<T>(
  budgetMs: number,
  attempt: () => Promise<T>,
  random: () => number = Math.random,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= MAX_ATTEMPTS || !retryable(error)) throw error;
      const delay = random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** n);
      // Leave the next attempt some of the budget; otherwise the answer at hand is the last one.
      if (Date.now() + delay >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
