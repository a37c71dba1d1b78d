/**
 * Envoy response flags, written in Envoy's own order so a flag string such as `UF,URX` reads the
 * same here as in an Istio access log or `response_flags` label.
 */
export type ResponseFlag = 'UH' | 'UT' | 'UF' | 'UC' | 'UO' | 'NR' | 'DI' | 'FI' | 'URX' | 'NC' | 'DC';

const ORDER: readonly ResponseFlag[] = ['UH', 'UT', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'URX', 'NC', 'DC'];

export function formatFlags(flags: ReadonlySet<ResponseFlag>): string {
  if (flags.size === 0) return '-';
  return ORDER.filter((f) => flags.has(f)).join(',');
}

/** What went wrong on one upstream attempt, in the vocabulary of Envoy's `retryOn` policies. */
export type AttemptFailure = 'connect-failure' | 'reset' | 'per-try-timeout' | 'overflow';

/** Classifies an undici or socket error from one attempt. */
export function classifyUpstreamError(error: unknown): AttemptFailure {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    code === 'ECONNREFUSED' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'ENOTFOUND' ||
    code === 'EADDRNOTAVAIL'
  ) {
    return 'connect-failure';
  }
  return 'reset';
}

export function flagForFailure(failure: AttemptFailure): ResponseFlag {
  switch (failure) {
    case 'connect-failure':
      return 'UF';
    case 'reset':
      return 'UC';
    case 'per-try-timeout':
      return 'UT';
    case 'overflow':
      return 'UO';
  }
}
