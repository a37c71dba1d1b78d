export interface RequestMatch {
  /** Only requests whose path contains this string. */
  path?: string;
  /** Only requests with this HTTP method (GET, PUT, ...). */
  method?: string;
}

interface CountedRule extends RequestMatch {
  remaining: number;
  status: number;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isWrite(method: string): boolean {
  return WRITE_METHODS.has(method);
}

function matches(rule: RequestMatch, method: string, path: string): boolean {
  return (
    (rule.method === undefined || rule.method.toUpperCase() === method) &&
    (rule.path === undefined || path.includes(rule.path))
  );
}

/** Faults a test arms; each request consumes at most one matching rule. */
export class FaultInjector {
  private failures: CountedRule[] = [];
  private conflicts: CountedRule[] = [];
  private latency: { ms: number; match: RequestMatch } = { ms: 0, match: {} };

  /** The next `count` matching requests fail with `status` (500 unless given; 429 adds Retry-After). */
  failNext(count: number, options: RequestMatch & { status?: number } = {}): void {
    this.failures.push({ ...options, remaining: count, status: options.status ?? 500 });
  }

  /** The next `count` matching writes (POST, PUT, PATCH, DELETE) answer 409 Conflict. */
  conflictNext(count: number, options: RequestMatch = {}): void {
    this.conflicts.push({ ...options, remaining: count, status: 409 });
  }

  /** Delays every matching request by `ms` before it is handled; 0 turns it off. */
  setLatency(ms: number, match: RequestMatch = {}): void {
    this.latency = { ms, match };
  }

  clear(): void {
    this.failures = [];
    this.conflicts = [];
    this.latency = { ms: 0, match: {} };
  }

  latencyFor(method: string, path: string): number {
    return this.latency.ms > 0 && matches(this.latency.match, method, path) ? this.latency.ms : 0;
  }

  takeFailure(method: string, path: string): number | undefined {
    return this.take(this.failures, method, path);
  }

  takeConflict(method: string, path: string): boolean {
    return isWrite(method) && this.take(this.conflicts, method, path) !== undefined;
  }

  private take(rules: CountedRule[], method: string, path: string): number | undefined {
    const rule = rules.find((candidate) => candidate.remaining > 0 && matches(candidate, method, path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule.status;
  }
}
