/**
 * The tick scheduler both platforms use, one per Canary: a tick at once on start, then every
 * interval. Ticks never overlap: a trigger during a tick runs exactly one more right after it,
 * however many triggers arrived. A tick may say when it next has something to do (the engine's
 * evidence window ends); the next tick is planned then, if sooner than a whole interval.
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

/** A tick's answer: when (epoch ms) the next one is due, or nothing for "a whole interval". */
export type TickFn = () => Promise<number | undefined>;

export interface SchedulerOptions {
  /** Told about a tick that threw; the schedule carries on. */
  onError?: (error: unknown) => void;
  /** The clock the due times are read against; Date.now by default. */
  now?: () => number;
  /** Whether a pending timer keeps the process alive (default: it does not). */
  keepAlive?: boolean;
}

export class TickScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private dueAt: number | undefined;
  private backoffMs: number | undefined;

  constructor(
    private readonly tick: TickFn,
    private intervalMs: number,
    private readonly options: SchedulerOptions = {},
  ) {}

  get interval(): number {
    return this.intervalMs;
  }

  /** Changes the period; when idle, the next tick is re-planned from now. */
  setInterval(ms: number): void {
    if (ms === this.intervalMs) return;
    this.intervalMs = ms;
    if (this.timer !== undefined && this.running === undefined) this.plan();
  }

  /**
   * The next planned tick waits exactly `ms` (a retry backing off), overriding the interval and
   * the tick's due time once; a trigger still runs at once.
   */
  delayNext(ms: number): void {
    this.backoffMs = ms;
    if (this.timer !== undefined && this.running === undefined) this.plan();
  }

  /** Runs a tick as soon as possible (once after the current one, if one is running). */
  trigger(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.runOnce().finally(() => {
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

  /** Waits for the tick in progress and plans no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async runOnce(): Promise<void> {
    try {
      const due = await this.tick();
      this.dueAt = typeof due === 'number' && Number.isFinite(due) ? due : undefined;
    } catch (error) {
      this.dueAt = undefined;
      this.options.onError?.(error);
    }
  }

  private plan(): void {
    clearTimeout(this.timer);
    const now = (this.options.now ?? Date.now)();
    // A due time already past had its tick: wait the interval rather than spin.
    const untilDue = this.dueAt === undefined ? 0 : this.dueAt - now;
    const delay = this.backoffMs ?? (untilDue > 0 ? Math.min(this.intervalMs, untilDue) : this.intervalMs);
    this.backoffMs = undefined;
    this.timer = setTimeout(() => {
      this.trigger();
    }, delay);
    if (this.options.keepAlive !== true) this.timer.unref();
  }
}
