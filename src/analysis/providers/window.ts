import { parseDuration } from '../../api/common.js';
import { ProviderError } from './http.js';

/** The metric's interval in milliseconds; Flagger's providers size their query window from it. */
export function intervalMs(provider: string, interval: string | undefined): number {
  try {
    return parseDuration(interval ?? '1m');
  } catch {
    throw new ProviderError(`interval: ${provider} needs a duration such as 1m, got "${interval ?? ''}"`);
  }
}

/** Optional request timeout from `provider.timeout`. */
export function timeoutMs(timeout: string | undefined): number | undefined {
  return timeout === undefined ? undefined : parseDuration(timeout);
}
