/**
 * Capped exponential backoff with jitter, the one retry policy of the controller's loops (watch
 * restarts, failed reconciles, deletion waiting on the target): a retry loop never spins at a fixed
 * rate against an API server that is failing, and replicas that failed together do not retry in step.
 */
export interface BackoffPolicy {
  /** The first delay. */
  initialMs: number;
  /** No delay is longer than this (before jitter). */
  maxMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Each delay is stretched by up to this fraction of itself, at random (default 0.2). */
  jitter?: number;
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * (policy.factor ?? 2) ** Math.max(0, attempt));
  return base + base * (policy.jitter ?? 0.2) * random();
}

/** The attempts of one retry loop: `next()` after a failure, `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** How many failures in a row so far. */
  get failures(): number {
    return this.attempt;
  }

  next(): number {
    const delay = backoffDelay(this.policy, this.attempt, this.random);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
