import type { Canary, CanaryStatus } from '../api/canary.js';
import { advance, analysisIntervalMs, type TickResult } from '../engine/index.js';
import type { ControlCommand, Ports } from '../engine/ports.js';

export interface CanaryLoopOptions {
  ports: Ports;
  /** Told after every tick, with the status it ended on. */
  onTick(canary: Canary, result: TickResult): void;
  onError(canary: Canary, error: unknown): void;
}

/**
 * Drives one Canary: a tick every analysis interval, and one at once whenever something happens
 * (a control command, a new revision). Ticks never overlap: a kick during a tick runs one more
 * tick right after it.
 */
export class CanaryLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly commands: ControlCommand[] = [];

  constructor(
    private canary: Canary,
    private readonly options: CanaryLoopOptions,
  ) {}

  get current(): Canary {
    return this.canary;
  }

  start(): void {
    this.kick();
  }

  /** A new spec (manifest edited); the status carries over. */
  update(spec: Canary): void {
    this.canary = { ...spec, status: this.canary.status };
    this.kick();
  }

  setStatus(status: CanaryStatus): void {
    this.canary = { ...this.canary, status };
  }

  command(command: ControlCommand): void {
    this.commands.push(command);
    this.kick();
  }

  /** Runs a tick as soon as the current one (if any) ends. */
  kick(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.tick().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.kick();
      } else {
        this.timer = setTimeout(() => {
          this.kick();
        }, analysisIntervalMs(this.canary));
      }
    });
  }

  /** Waits for the tick in progress and stops scheduling more. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    const commands = this.commands.splice(0);
    try {
      const result = await advance(this.canary, this.options.ports, commands);
      this.canary = { ...this.canary, status: result.status };
      this.options.onTick(this.canary, result);
    } catch (error) {
      this.options.onError(this.canary, error);
    }
  }
}
