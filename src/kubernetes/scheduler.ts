/**
 * One scheduler per Canary: a tick runs at once when the Canary appears, then every analysis
 * interval; ticks of one Canary never overlap (a trigger during a tick runs once right after it);
 * a shared limit caps how many Canaries tick at the same time.
 */

/** A counting semaphore: at most `limit` holders at once, the rest wait in order. */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export class CanaryScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly tick: () => Promise<void>,
    private intervalMs: number,
  ) {}

  get interval(): number {
    return this.intervalMs;
  }

  /** Changes the period; the next tick is re-planned from now. */
  setInterval(ms: number): void {
    if (ms === this.intervalMs) return;
    this.intervalMs = ms;
    if (this.timer !== undefined && this.running === undefined) this.plan();
  }

  /** Runs a tick as soon as possible (after the current one, if one is running). */
  trigger(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.tick()
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.trigger();
        } else {
          this.plan();
        }
      });
  }

  private plan(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.trigger();
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
