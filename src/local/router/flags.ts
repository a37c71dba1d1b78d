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
export type AttemptFailure =
  | 'connect-failure'
  /** Reset by the upstream with the request still unread in its socket: it never reached the application. */
  | 'reset-before-request'
  | 'reset'
  | 'per-try-timeout'
  | 'overflow';

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
  // A peer that closes with data unread in its receive queue answers with RST, not FIN (RFC 1122
  // 4.2.2.13, what Linux does): ECONNRESET before any response byte means the process ended, or
  // closed, with our request unread. A FIN ("other side closed") means it read the request first.
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset-before-request';
  return 'reset';
}

export function flagForFailure(failure: AttemptFailure): ResponseFlag {
  switch (failure) {
    case 'connect-failure':
      return 'UF';
    case 'reset':
    case 'reset-before-request':
      return 'UC';
    case 'per-try-timeout':
      return 'UT';
    case 'overflow':
      return 'UO';
  }
}
